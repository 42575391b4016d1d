import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import type { RateLimiter } from '../../../durable-objects/rate-limiter/rate-limiter.ts';
import { refillUnderWay, startRefill } from '../../../workers/limits/limit-blocks.ts';
import { reserveForId } from '../../../workers/limits/limit-id.ts';

const limiter = (id: string) =>
  (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(id);
const waitUntil = (p: Promise<unknown>) => void p.catch(() => {});

describe('limiter blocks under concurrent requests', () => {
  it('requests that find no block while one is being fetched wait for it: one block, not one each', async () => {
    const limits = { requestsPerMinute: 100_000, maxConcurrent: 10_000 };
    const tickets = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        reserveForId(env, 'refill-once', limits, `r${i}`, 10, { waitUntil }),
      ),
    );
    // One block of 16 holds all twelve; a block per request would hold twelve times as much.
    expect((await limiter('refill-once').inspect()).inFlight).toBe(16);
    const remaining = tickets.map((t) => Number(t.headers['x-ratelimit-remaining-requests']));
    expect(new Set(remaining).size).toBe(12);
    for (const t of tickets) await t.settle(10);
    await vi.waitFor(async () => expect((await limiter('refill-once').inspect()).inFlight).toBe(0), {
      timeout: 3000,
    });
  });

  it('more waiters than a block holds: the rest wait for the next, larger block, and every one is admitted', async () => {
    const limits = { requestsPerMinute: 100_000, maxConcurrent: 10_000 };
    const tickets = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        reserveForId(env, 'refill-over', limits, `o${i}`, 10, { waitUntil }),
      ),
    );
    expect(tickets).toHaveLength(40);
    // Blocks of 16, then larger ones (blocks that run out within their window grow): a few blocks, not forty.
    const held = (await limiter('refill-over').inspect()).inFlight;
    expect(held).toBeGreaterThanOrEqual(40);
    expect(held).toBeLessThanOrEqual(16 + 32 + 64);
    for (const t of tickets) await t.settle(10);
    await vi.waitFor(async () => expect((await limiter('refill-over').inspect()).inFlight).toBe(0), {
      timeout: 3000,
    });
  });

  it('a refused block call does not hold its waiters: each gets its own answer from the limiter', async () => {
    const limits = { requestsPerMinute: 3 };
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        reserveForId(env, 'refill-refused', limits, `x${i}`, 1, { waitUntil }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const r of results)
      if (r.status === 'rejected')
        expect(r.reason).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
  });

  it('a block call whose request never finishes it holds no one: waiters go on after a short wait of their own', async () => {
    const limits = { requestsPerMinute: 100_000, maxConcurrent: 10_000 };
    // As if a request had started the call and been cancelled before its answer came.
    startRefill('refill-lost');
    expect(refillUnderWay('refill-lost')).toBeDefined();
    const ticket = await reserveForId(env, 'refill-lost', limits, 'l1', 10, { waitUntil });
    expect(ticket.headers['x-ratelimit-remaining-requests']).toBeDefined();
    expect((await limiter('refill-lost').inspect()).inFlight).toBeGreaterThan(0);
    await ticket.settle(10);
  });

  it('a block call started long ago is presumed lost and not waited for', () => {
    startRefill('refill-stale', Date.now() - 60_000);
    expect(refillUnderWay('refill-stale')).toBeUndefined();
  });

  it('after a call that brought no block, nobody waits on the next one: it will bring none either', async () => {
    await reserveForId(env, 'refill-none', { requestsPerMinute: 5 }, 'n1', 1, { waitUntil });
    startRefill('refill-none');
    expect(refillUnderWay('refill-none')).toBeUndefined();
    await reserveForId(env, 'refill-some', { requestsPerMinute: 100_000 }, 's1', 1, { waitUntil });
    startRefill('refill-some');
    expect(refillUnderWay('refill-some')).toBeDefined();
  });

  it('a call older than a distant round trip is no longer waited for: the next request calls itself', () => {
    startRefill('refill-slow', Date.now() - 300);
    expect(refillUnderWay('refill-slow')).toBeUndefined();
    startRefill('refill-recent', Date.now() - 100);
    expect(refillUnderWay('refill-recent')).toBeDefined();
  });

  it('a call that opened no block of its own says so, even with an older block in place', async () => {
    await reserveForId(env, 'refill-own', { requestsPerMinute: 100_000 }, 'o1', 1, { waitUntil });
    const finish = startRefill('refill-own');
    const refill = refillUnderWay('refill-own');
    finish();
    expect(await refill?.done).toBe(false);
  });

  it('waiters behind a call that never settles: the first to give up calls, the others wait for its block', async () => {
    const limits = { requestsPerMinute: 100_000, maxConcurrent: 10_000 };
    startRefill('refill-takeover'); // a call whose request was cancelled
    const tickets = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        reserveForId(env, 'refill-takeover', limits, `t${i}`, 10, { waitUntil }),
      ),
    );
    // One block of 16 for all twelve, as when nobody was lost.
    expect((await limiter('refill-takeover').inspect()).inFlight).toBe(16);
    for (const t of tickets) await t.settle(10);
  });
});
