import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../../durable-objects/rate-limiter/rate-limiter.ts';

const limiter = (id: string) =>
  (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(id);

const rows = (id: string) =>
  runInDurableObject(limiter(id), (_instance, state) =>
    state.storage.sql.exec('SELECT id, requests, tokens FROM reservations').toArray(),
  );

describe('rate limiter object: blocks in storage', () => {
  it('a block kept and then settled within one write-behind window leaves no row behind', async () => {
    const limits = { requestsPerMinute: 10_000, tokensPerMinute: 10_000_000, maxConcurrent: 1000 };
    const stub = limiter('blocks-storage');
    const granted = await stub.reserve({
      reservationId: 'blk',
      tokens: 100,
      limits,
      ttlMs: 600_000,
      block: 16,
    });
    expect(granted.ok && granted.block?.requests).toBe(16);
    await stub.inspect(); // flushes: the block's row is on disk
    expect(await rows('blocks-storage')).toHaveLength(1);
    // Window over with one request running, then that request ends: both before the next flush.
    await stub.settleMany([
      { reservationId: 'blk', usedTokens: 50, limits, requestsUsed: 2, keep: { requests: 1, tokens: 100 } },
    ]);
    await stub.settleMany([{ reservationId: 'blk', usedTokens: 120, limits, requestsUsed: 2 }]);
    expect(await stub.inspect()).toMatchObject({ inFlight: 0, dayUsed: 120 });
    expect(await rows('blocks-storage')).toEqual([]);
  });

  it('a block kept and settled in the same batch leaves no row either, and a kept block is stored shrunk', async () => {
    const limits = { requestsPerMinute: 10_000, tokensPerMinute: 10_000_000 };
    const stub = limiter('blocks-storage-2');
    await stub.reserve({ reservationId: 'blk', tokens: 100, limits, ttlMs: 600_000, block: 16 });
    await stub.settleMany([
      { reservationId: 'blk', usedTokens: 10, limits, requestsUsed: 3, keep: { requests: 2, tokens: 200 } },
    ]);
    await stub.inspect();
    expect(await rows('blocks-storage-2')).toEqual([{ id: 'blk', requests: 2, tokens: 200 }]);
    await stub.settleMany([
      { reservationId: 'blk', usedTokens: 20, limits, requestsUsed: 3, keep: { requests: 1, tokens: 100 } },
      { reservationId: 'blk', usedTokens: 30, limits, requestsUsed: 3 },
    ]);
    expect(await stub.inspect()).toMatchObject({ inFlight: 0, dayUsed: 30 });
    expect(await rows('blocks-storage-2')).toEqual([]);
  });
});

describe('rate limiter object: refunds in storage', () => {
  it("a kept block's size and refunds are stored, so a restart cannot give the same requests back twice", async () => {
    const limits = { requestsPerMinute: 10_000, maxConcurrent: 1000 };
    const stub = limiter('blocks-refunds');
    await stub.reserve({ reservationId: 'blk', tokens: 0, limits, ttlMs: 600_000, block: 16 });
    const keep = (requests: number) => ({
      reservationId: 'blk',
      usedTokens: 0,
      limits,
      requestsUsed: 16,
      refundedRequests: 2,
      keep: { requests, tokens: 0 },
    });
    await stub.settleMany([keep(3)]);
    await stub.inspect(); // flushes the kept block
    const stored = () =>
      runInDurableObject(limiter('blocks-refunds'), (_instance, state) =>
        state.storage.sql.exec('SELECT requests, size, refunded FROM reservations').toArray(),
      );
    expect(await stored()).toEqual([{ requests: 3, size: 16, refunded: 2 }]);
    // A new instance reads them back: the repeated running total is recognised, the block shrinks.
    await evictDurableObject(stub);
    await stub.settleMany([keep(2)]);
    await stub.inspect();
    expect(await stored()).toEqual([{ requests: 2, size: 16, refunded: 2 }]);
  });
});
