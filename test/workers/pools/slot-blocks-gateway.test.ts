import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EnginePool } from '../../../durable-objects/engine-pool/engine-pool.ts';
import type { RateLimiter } from '../../../durable-objects/rate-limiter/rate-limiter.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { chatAnswer, chatAs, seedVllmPool, waitFor } from '../identity/helpers.ts';

const HOST = 'blocks-origin.test';
const pool = () =>
  (env.ENGINE_POOL as unknown as DurableObjectNamespace<EnginePool>).getByName('blocks-pool');
const limiter = (id: string) =>
  (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(id);
const usage = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 };

beforeAll(() => seedVllmPool('blocks-pool', 'b1', HOST, 'blocks-model', 256));

describe('slot and limiter blocks through the gateway', () => {
  it('serves most requests without a pool or limiter round trip, and gives every slot back after the window', async () => {
    mockOrigin(HOST, () => chatAnswer('ok', usage));
    const limits = { requestsPerMinute: 100_000, tokensPerMinute: 100_000_000, maxConcurrent: 1000 };
    const key = await seedKey({ id: 'key_blocks', limits });
    const before = (await pool().state()).admissions.granted ?? 0;
    for (let i = 0; i < 20; i++) expect((await chatAs(key, 'blocks-model')).status).toBe(200);
    const burst = await Promise.all(Array.from({ length: 10 }, () => chatAs(key, 'blocks-model')));
    expect(burst.every((r) => r.status === 200)).toBe(true);
    // Every answer still carries the key's limit headers, counted down across the block.
    const remaining = burst.map((r) => Number(r.headers.get('x-ratelimit-remaining-requests')));
    expect(new Set(remaining).size).toBe(10);
    expect(Math.max(...remaining)).toBeLessThan(100_000);

    const state = await pool().state();
    expect(state.admissions.blocks).toBeGreaterThanOrEqual(1);
    expect((state.admissions.granted ?? 0) - before).toBeLessThan(10);
    // Once the windows end, nothing stays held: not a pool slot, not a limiter slot.
    await waitFor(async () => (await pool().state()).inFlight === 0, 5000);
    await waitFor(async () => (await limiter('key_blocks').inspect()).inFlight === 0, 5000);
    // And the key is charged exactly what the 30 requests used.
    expect((await limiter('key_blocks').inspect()).dayUsed).toBe(30 * usage.total_tokens);
    const origin = (await pool().state()).origins[0]!;
    await waitFor(async () => ((await pool().state()).origins[0]!.outcomes.success ?? 0) >= 30, 3000);
    expect(origin.id).toBe('b1');
  });

  it('an origin failure on a block reaches the breaker at once and ends the block', async () => {
    const key = await seedKey({ limits: { requestsPerMinute: 100_000 } });
    mockOrigin(HOST, () => chatAnswer('ok', usage));
    expect((await chatAs(key, 'blocks-model')).status).toBe(200);
    const failuresBefore = (await pool().state()).origins[0]!.outcomes.failure ?? 0;
    const grantedBefore = (await pool().state()).admissions.granted ?? 0;
    mockOrigin(HOST, () => new Response('boom', { status: 500 }));
    const failed = await chatAs(key, 'blocks-model');
    expect(failed.status).toBe(502);
    // Both attempts' failures are on record when the client has its answer: nothing waits for a batch.
    expect((await pool().state()).origins[0]!.outcomes.failure).toBe(failuresBefore + 2);
    mockOrigin(HOST, () => chatAnswer('ok', usage));
    expect((await chatAs(key, 'blocks-model')).status).toBe(200);
    // The failed block is not used again: the next request asked the pool object.
    expect((await pool().state()).admissions.granted).toBeGreaterThan(grantedBefore);
  });
});
