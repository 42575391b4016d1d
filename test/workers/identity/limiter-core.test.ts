import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { periodEnd } from '../../../durable-objects/rate-limiter/budget-window.ts';
import { formatDuration } from '../../../durable-objects/rate-limiter/duration.ts';
import {
  emptyState,
  reserve,
  settle,
  sweepExpired,
} from '../../../durable-objects/rate-limiter/limiter-core.ts';
import type { LimiterLimits } from '../../../durable-objects/rate-limiter/types.ts';

const T0 = Date.UTC(2026, 2, 10, 12, 0, 0);
let n = 0;
const req = (
  limits: LimiterLimits,
  tokens = 0,
  extra: Partial<{ ttlMs: number; instant: boolean }> = {},
) => ({
  reservationId: `r${++n}`,
  tokens,
  limits,
  ttlMs: extra.ttlMs ?? 60_000,
  ...(extra.instant ? { instant: true } : {}),
});

describe('limiter core', () => {
  it('requests per minute: a burst takes exactly the limit, Retry-After is exact', () => {
    const limits = { requestsPerMinute: 6 };
    const s = emptyState();
    const results = Array.from({ length: 10 }, () => reserve(s, req(limits), T0));
    expect(results.filter((r) => r.ok)).toHaveLength(6);
    const refused = results.at(-1)!;
    if (refused.ok) throw new Error('expected a refusal');
    expect(refused.code).toBe('rate_limit_exceeded');
    expect(refused.retryAfterMs).toBe(10_000); // one request per 10 s refills
    expect(reserve(s, req(limits), T0 + refused.retryAfterMs - 1).ok).toBe(false);
    expect(reserve(s, req(limits), T0 + refused.retryAfterMs).ok).toBe(true);
  });

  it('refused requests are not charged', () => {
    const limits = { requestsPerMinute: 1, tokensPerMinute: 100 };
    const s = emptyState();
    expect(reserve(s, req(limits, 10), T0).ok).toBe(true);
    for (let i = 0; i < 50; i++) expect(reserve(s, req(limits, 10), T0).ok).toBe(false);
    expect(s.tokens!.level).toBe(90);
    expect(reserve(s, req(limits, 10), T0 + 60_000).ok).toBe(true);
  });

  it('tokens per minute: reserved at admission, settled to real usage (refund and excess)', () => {
    const limits = { tokensPerMinute: 1000 };
    const s = emptyState();
    const a = req(limits, 600);
    expect(reserve(s, a, T0).ok).toBe(true);
    const b = reserve(s, req(limits, 600), T0);
    expect(b.ok).toBe(false); // 400 left: the concurrent burst cannot overshoot
    settle(s, a.reservationId, 100, limits, T0);
    expect(s.tokens!.level).toBe(900);
    const c = req(limits, 500);
    expect(reserve(s, c, T0).ok).toBe(true);
    settle(s, c.reservationId, 800, limits, T0); // used more than reserved: charged the difference
    expect(s.tokens!.level).toBe(100);
    settle(s, c.reservationId, 0, limits, T0); // settling twice changes nothing
    expect(s.tokens!.level).toBe(100);
  });

  it('a reservation larger than the minute bucket waits for a full bucket instead of never passing', () => {
    const limits = { tokensPerMinute: 100 };
    const s = emptyState();
    const r = req(limits, 5000);
    expect(reserve(s, r, T0).ok).toBe(true);
    settle(s, r.reservationId, 50, limits, T0);
    const next = reserve(s, req(limits, 5000), T0);
    expect(next.ok).toBe(false);
    if (!next.ok) expect(next.retryAfterMs).toBe(30_000);
  });

  it('max concurrent: slots held until settle, released by TTL if never settled', () => {
    const limits = { maxConcurrent: 2 };
    const s = emptyState();
    const a = req(limits, 0, { ttlMs: 5000 });
    expect(reserve(s, a, T0).ok).toBe(true);
    expect(reserve(s, req(limits, 0, { ttlMs: 5000 }), T0).ok).toBe(true);
    const third = reserve(s, req(limits), T0);
    expect(third.ok ? '' : third.code).toBe('concurrency_limit_exceeded');
    settle(s, a.reservationId, 0, limits, T0);
    expect(reserve(s, req(limits), T0).ok).toBe(true);
    expect(sweepExpired(s, T0 + 5000)).toHaveLength(1);
    expect(s.reservations.size).toBe(1);
  });

  it('daily budget: budget_exceeded until the UTC day turns, counting real usage', () => {
    const limits = { tokensPerDay: 1000 };
    const s = emptyState();
    const a = req(limits, 900);
    expect(reserve(s, a, T0).ok).toBe(true);
    const held = reserve(s, req(limits, 200), T0);
    expect(held.ok ? '' : held.code).toBe('budget_exceeded');
    if (!held.ok) expect(held.retryAfterMs).toBe(1000); // only in-flight holds it
    settle(s, a.reservationId, 950, limits, T0);
    const spent = reserve(s, req(limits, 100), T0);
    expect(spent.ok ? '' : spent.code).toBe('budget_exceeded');
    const midnight = periodEnd('day', T0);
    if (!spent.ok) expect(spent.retryAfterMs).toBe(midnight - T0);
    expect(reserve(s, req(limits, 100), midnight - 1).ok).toBe(false);
    expect(reserve(s, req(limits, 100), midnight).ok).toBe(true);
  });

  it('monthly budget resets on the 1st (UTC)', () => {
    const limits = { tokensPerMonth: 10 };
    const s = emptyState();
    expect(reserve(s, req(limits, 10, { instant: true }), T0).ok).toBe(true);
    expect(reserve(s, req(limits, 1), Date.UTC(2026, 2, 31, 23, 59)).ok).toBe(false);
    expect(reserve(s, req(limits, 1), Date.UTC(2026, 3, 1)).ok).toBe(true);
  });

  it('never admits more than the limits under arbitrary interleavings (property)', () => {
    type Op =
      | { kind: 'reserve'; tokens: number; dt: number }
      | { kind: 'settle'; pick: number; used: number; dt: number };
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('reserve' as const),
        tokens: fc.integer({ min: 0, max: 400 }),
        dt: fc.integer({ min: 0, max: 3000 }),
      }),
      fc.record({
        kind: fc.constant('settle' as const),
        pick: fc.nat(),
        used: fc.integer({ min: 0, max: 600 }),
        dt: fc.integer({ min: 0, max: 3000 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops: Op[]) => {
        const limits = {
          requestsPerMinute: 20,
          tokensPerMinute: 2000,
          maxConcurrent: 4,
          tokensPerDay: 20_000,
        };
        const s = emptyState();
        let now = T0;
        const admittedAt: number[] = [];
        const open: string[] = [];
        for (const o of ops) {
          now += o.dt;
          if (o.kind === 'reserve') {
            const r = req(limits, o.tokens);
            if (reserve(s, r, now).ok) {
              admittedAt.push(now);
              open.push(r.reservationId);
            }
          } else if (open.length > 0) {
            const [id] = open.splice(o.pick % open.length, 1);
            settle(s, id!, o.used, limits, now);
          }
          expect(s.reservations.size).toBeLessThanOrEqual(4);
          // Requests in any trailing minute never exceed capacity + refill in that minute.
          const inWindow = admittedAt.filter((t) => t > now - 60_000).length;
          expect(inWindow).toBeLessThanOrEqual(40);
          expect(s.day?.used ?? 0).toBeLessThanOrEqual(20_000 + 600 * 200);
        }
      }),
    );
  });

  it('formats durations the way OpenAI does', () => {
    expect(formatDuration(20)).toBe('20ms');
    expect(formatDuration(1000)).toBe('1s');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(360_000)).toBe('6m0s');
    expect(formatDuration(3_723_000)).toBe('1h2m3s');
  });
});
