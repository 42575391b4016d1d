import { beforeAll, describe, expect, it } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { chatAnswer, chatAs, waitFor } from './helpers.ts';

// A key's limits are checked while the pool admits the request. When they refuse and the pool has no
// room, the request must not keep its place in the pool's queue: its client would get the refusal only
// once a slot came free (or a queue timeout instead), and a limited key could crowd out other tenants.

const HOST = 'lrq-origin.test';

beforeAll(() =>
  seedPool(
    {
      name: 'lrq-pool',
      protocol: 'vllm',
      origins: [{ id: 'q1', url: `http://${HOST}`, capacity: 1, weight: 1 }],
      // Long enough that the old answer (a queue timeout) cannot pass for the new one.
      queue: { maxDepth: 100, maxWaitMs: 3000 },
      health: { enabled: false, intervalMs: 10_000, timeoutMs: 2000 },
    },
    'lrq-model',
  ),
);

describe('a request the key’s limits refuse while the pool is full', () => {
  it('is answered with the limit’s 429 at once, not after waiting in the pool’s queue', async () => {
    // The held origin polls a flag: resolving its promise from the test would cross request contexts.
    let released = false;
    let started = 0;
    mockOrigin(HOST, async () => {
      started++;
      while (!released) await new Promise((r) => setTimeout(r, 5));
      return chatAnswer();
    });
    const key = await seedKey({ id: 'key_lrq', limits: { maxConcurrent: 1 } });
    const first = chatAs(key, 'lrq-model');
    await waitFor(async () => started === 1, 3000);

    const second = await chatAs(key, 'lrq-model');
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe(
      'concurrency_limit_exceeded',
    );
    expect(second.headers.get('x-eco-refused-by')).not.toBe('pool');
    // Answered while the only slot was still taken: it never waited for the slot.
    expect(released).toBe(false);

    released = true;
    expect((await first).status).toBe(200);
    expect(started).toBe(1);
  });
});
