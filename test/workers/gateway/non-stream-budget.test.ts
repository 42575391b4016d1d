import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// A non-stream call's total limit bounds the request, not each try: a hung origin that used it up
// is not tried again for another full limit.

let key: string;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'non-stream-budget-pool',
      protocol: 'vllm',
      origins: [
        { id: 'a', url: 'http://non-stream-budget-a.test', capacity: 8, weight: 1 },
        { id: 'b', url: 'http://non-stream-budget-b.test', capacity: 8, weight: 1 },
      ],
      timeouts: { headersMs: 200, firstTokenMs: 200, idleMs: 200, totalMs: 1000 },
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    },
    'non-stream-budget-model',
  );
});

/** Never answers; resolves when the gateway gives up on the request. */
function hang(request: Request): Promise<Response> {
  return new Promise((_, reject) => {
    request.signal.addEventListener('abort', () => reject(request.signal.reason));
  });
}

describe('a hung non-stream call', () => {
  it('is a 504 once the total limit has passed, without further tries', async () => {
    let calls = 0;
    for (const host of ['non-stream-budget-a.test', 'non-stream-budget-b.test'])
      mockOrigin(host, (request) => {
        calls++;
        return hang(request);
      });
    const res = await exports.default.fetch('http://gw/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'non-stream-budget-model', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('origin_timeout');
    expect(calls).toBe(1);
  });
});
