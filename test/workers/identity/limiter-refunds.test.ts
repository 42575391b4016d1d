import { describe, expect, it } from 'vitest';
import { emptyState, reserve, settle } from '../../../durable-objects/rate-limiter/limiter-core.ts';
import type { LimiterLimits } from '../../../durable-objects/rate-limiter/types.ts';

// A request the engine pools refused before any origin saw it ran nothing: its request goes back to the
// requests-per-minute bucket, once, however often its settle arrives.

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
let n = 0;
const req = (limits: LimiterLimits, block?: number) => ({
  reservationId: `r${++n}`,
  tokens: 10,
  limits,
  ttlMs: 60_000,
  ...(block ? { block } : {}),
});

describe('limiter core: requests the pools refused', () => {
  it('a single reservation gets its request back, once; a plain settle does not', () => {
    const limits = { requestsPerMinute: 3 };
    const s = emptyState();
    for (let i = 0; i < 3; i++) {
      const r = reserve(s, req(limits), T0);
      expect(r.ok).toBe(true);
      settle(s, `r${n}`, null, limits, T0, { refundedRequests: 1 });
    }
    expect(s.requests!.level).toBe(3);
    // Repeated (the batch was sent twice): the reservation is gone, nothing more is given.
    expect(settle(s, `r${n}`, null, limits, T0, { refundedRequests: 1 })).toBe(false);
    expect(s.requests!.level).toBe(3);
    // A request that ran (or failed at an origin) still counts.
    reserve(s, req(limits), T0);
    settle(s, `r${n}`, null, limits, T0);
    expect(s.requests!.level).toBe(2);
  });

  it('a single reservation gives back one request at most', () => {
    const limits = { requestsPerMinute: 10 };
    const s = emptyState();
    reserve(s, req(limits), T0);
    reserve(s, req(limits), T0);
    settle(s, `r${n}`, null, limits, T0, { refundedRequests: 5 });
    expect(s.requests!.level).toBe(9);
  });

  it("a block's refunds are running totals: only the increase is given back, up to the block's size", () => {
    const limits = { requestsPerMinute: 10_000, maxConcurrent: 1000 };
    const s = emptyState();
    const r = reserve(s, req(limits, 16), T0);
    if (!r.ok || !r.block) throw new Error('expected a block');
    const id = `r${n}`;
    expect(s.requests!.level).toBe(10_000 - 16);
    // Window over: 16 admitted, 4 still running, 2 of the finished refused by the pools.
    settle(s, id, 0, limits, T0, {
      requestsUsed: 16,
      refundedRequests: 2,
      keep: { requests: 4, tokens: 40 },
    });
    expect(s.requests!.level).toBe(10_000 - 14);
    settle(s, id, 0, limits, T0, {
      requestsUsed: 16,
      refundedRequests: 2,
      keep: { requests: 3, tokens: 30 },
    });
    expect(s.requests!.level).toBe(10_000 - 14);
    settle(s, id, 0, limits, T0, { requestsUsed: 16, refundedRequests: 99 });
    expect(s.requests!.level).toBe(10_000);
    expect(s.reservations.size).toBe(0);
  });
});
