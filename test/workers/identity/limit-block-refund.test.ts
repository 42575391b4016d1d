import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../../durable-objects/rate-limiter/rate-limiter.ts';
import { reserveForId } from '../../../workers/limits/limit-id.ts';

const limiter = (id: string) =>
  (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(id);

// While the isolate admits from its block, a request the pools refused goes back into the block at
// once: the next request sees the same remaining count, not one fewer.
describe("an isolate's limiter block and requests the pools refused", () => {
  it('a refused request is the block’s again; one that ran is not', async () => {
    const limits = { requestsPerMinute: 10_000, maxConcurrent: 1000 };
    const pending: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => void pending.push(p);
    const remaining = (t: { headers: Record<string, string> }) =>
      Number(t.headers['x-ratelimit-remaining-requests']);
    const first = await reserveForId(env, 'block-refund', limits, 'r1', 0, { waitUntil });
    expect(await limiter('block-refund').inspect()).toMatchObject({ inFlight: 16 });
    const second = await reserveForId(env, 'block-refund', limits, 'r2', 0, { waitUntil });
    expect(remaining(second)).toBe(remaining(first) - 1);
    await second.settle(undefined, true);
    const third = await reserveForId(env, 'block-refund', limits, 'r3', 0, { waitUntil });
    expect(remaining(third)).toBe(remaining(second));
    await third.settle(undefined, false);
    const fourth = await reserveForId(env, 'block-refund', limits, 'r4', 0, { waitUntil });
    expect(remaining(fourth)).toBe(remaining(third) - 1);
    for (const t of [first, fourth]) await t.settle(0);
    await Promise.all(pending);
  });
});
