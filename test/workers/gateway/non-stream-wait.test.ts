import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

let key: string;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'slow-answer-pool',
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://slow-answer.test', capacity: 8, weight: 1 }],
      // Headers within 200 ms, but 1.5 s in all.
      timeouts: { headersMs: 200, firstTokenMs: 200, idleMs: 200, totalMs: 1500 },
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 2 },
    },
    'slow-answer-model',
  );
});

function post(stream: boolean) {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'slow-answer-model', stream, messages: [{ role: 'user', content: 'x' }] }),
  });
}

/** Resolves after `ms`, or rejects when the gateway gives up on the request first. */
function delayed(ms: number, request: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    request.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(request.signal.reason);
    });
  });
}

describe('non-stream calls wait for the whole generation, within the total limit', () => {
  it('an answer that takes longer than the headers limit to generate still arrives', async () => {
    mockOrigin('slow-answer.test', async (request) => {
      await delayed(500, request);
      return chatAnswer('done');
    });
    const res = await post(false);
    expect(res.status).toBe(200);
    expect(
      ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
    ).toBe('done');
  });

  it('an answer that never comes is a 504 once the total limit has passed', async () => {
    mockOrigin('slow-answer.test', async (request) => {
      await delayed(60_000, request);
      return chatAnswer('done');
    });
    const res = await post(false);
    expect(res.status).toBe(504);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('origin_timeout');
    expect(body.error.message).toContain('1500 ms');
  });

  it('a stream still gets its headers within the headers limit', async () => {
    mockOrigin('slow-answer.test', async (request) => {
      await delayed(500, request);
      return new Response('data: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream' } });
    });
    const res = await post(true);
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('200 ms');
  });
});
