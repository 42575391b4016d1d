import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// With one origin, a retry finds it backing off: the client must still see the origin's own answer
// (429 with its Retry-After, 503 while loading), not "no origin available".

let key: string;

beforeAll(async () => {
  key = await seedKey();
  for (const name of ['single-429', 'single-503'])
    await seedPool(
      {
        name,
        protocol: 'vllm',
        origins: [{ id: 'only', url: `http://${name}.test`, capacity: 8, weight: 1 }],
        retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
      },
      `${name}-model`,
    );
});

function chat(model: string, stream = false): Promise<Response> {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'x' }] }),
  });
}

describe("a single-origin pool's own refusal", () => {
  it('reaches the client as the origin said it: 429 with its Retry-After', async () => {
    mockOrigin(
      'single-429.test',
      () =>
        new Response(
          JSON.stringify({ object: 'error', message: 'busy', type: 'TooManyRequests', code: 429 }),
          {
            status: 429,
            headers: { 'content-type': 'application/json', 'retry-after': '3' },
          },
        ),
    );
    const res = await chat('single-429-model');
    const body = (await res.json()) as { error: { code: string } };
    expect({ status: res.status, code: body.error.code }).toEqual({ status: 429, code: 'origin_overloaded' });
    expect(res.headers.get('retry-after')).toBe('3');
  });

  it('reaches a streaming client as the origin said it: 503 while the model loads', async () => {
    mockOrigin(
      'single-503.test',
      () =>
        new Response('{"error":"model is loading"}', {
          status: 503,
          headers: { 'content-type': 'application/json', 'retry-after': '5' },
        }),
    );
    const res = await chat('single-503-model', true);
    const body = (await res.json()) as { error: { code: string } };
    expect(res.status).toBe(503);
    expect(body.error.code).not.toBe('origin_unavailable');
    expect(res.headers.get('retry-after')).toBe('5');
  });
});
