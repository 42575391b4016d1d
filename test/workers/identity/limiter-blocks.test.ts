import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyState, reserve, settle } from '../../../durable-objects/rate-limiter/limiter-core.ts';
import type { LimiterLimits } from '../../../durable-objects/rate-limiter/types.ts';

const T0 = Date.UTC(2026, 2, 10, 12, 0, 0);
let n = 0;
const req = (limits: LimiterLimits, tokens: number, block?: number) => ({
  reservationId: `b${++n}`,
  tokens,
  limits,
  ttlMs: 60_000,
  ...(block ? { block } : {}),
});

describe('limiter core: blocks', () => {
  it('reserves a block up front when every limit has ample room', () => {
    const limits = { requestsPerMinute: 10_000, tokensPerMinute: 1_000_000, maxConcurrent: 1000 };
    const s = emptyState();
    const r = reserve(s, req(limits, 100, 16), T0);
    expect(r.ok && r.block).toEqual({ requests: 16, tokens: 1600 });
    expect(s.requests!.level).toBe(10_000 - 16);
    expect(s.tokens!.level).toBe(1_000_000 - 1600);
    expect(r.snapshot.requests!.remaining).toBe(10_000 - 16);
  });

  it('grants smaller blocks, then none, as any limit gets close: a block is at most 1/20 of what is left', () => {
    const s = emptyState();
    expect(reserve(s, req({ requestsPerMinute: 100 }, 0, 16), T0)).toMatchObject({ block: { requests: 5 } });
    expect(reserve(s, req({ requestsPerMinute: 100 }, 0, 16), T0)).toMatchObject({ block: { requests: 4 } });
    const small = emptyState();
    const single = reserve(small, req({ requestsPerMinute: 30 }, 0, 16), T0);
    expect(single.ok && single.block).toBeUndefined();
    expect(small.requests!.level).toBe(29);
    const tokens = emptyState();
    const t = reserve(tokens, req({ tokensPerMinute: 100_000 }, 1000, 16), T0);
    expect(t.ok && t.block).toEqual({ requests: 5, tokens: 5000 });
    const conc = emptyState();
    const c = reserve(conc, req({ maxConcurrent: 20 }, 0, 16), T0);
    expect(c.ok && c.block).toEqual({ requests: 4, tokens: 0 });
    const budget = emptyState();
    const b = reserve(budget, req({ tokensPerDay: 10_000 }, 1000, 16), T0);
    expect(b.ok && b.block).toBeUndefined();
  });

  it('a block holds its concurrency slots until settled, and settling gives back what was not used', () => {
    const limits = { requestsPerMinute: 1000, tokensPerMinute: 1_000_000, maxConcurrent: 100 };
    const s = emptyState();
    const r = reserve(s, req(limits, 500, 16), T0);
    if (!r.ok || !r.block) throw new Error('expected a block');
    expect(s.reservations.get(`b${n}`)!.requests).toBe(r.block.requests);
    // 3 of its requests ran and used 700 tokens in all.
    settle(s, `b${n}`, 700, limits, T0, { requestsUsed: 3 });
    expect(s.requests!.level).toBe(1000 - 3);
    expect(s.tokens!.level).toBe(1_000_000 - 700);
    expect(s.day!.used).toBe(700);
    expect(s.reservations.size).toBe(0);
  });

  it('a closed block keeps only its running requests: slots, tokens and requests go back at once, repeats change nothing', () => {
    const limits = {
      requestsPerMinute: 1000,
      tokensPerMinute: 100_000,
      maxConcurrent: 100,
      tokensPerDay: 1_000_000,
    };
    const s = emptyState();
    const r = reserve(s, req(limits, 500, 16), T0);
    if (!r.ok || !r.block) throw new Error('expected a block');
    const id = `b${n}`;
    const granted = r.block.requests;
    // Window over: 4 admitted, 3 done using 900 tokens, 1 still running with its 500 reserved.
    const partial = { requestsUsed: 4, keep: { requests: 1, tokens: 500 } };
    expect(settle(s, id, 900, limits, T0, partial)).toBe('kept');
    const levels = () => ({
      requests: s.requests!.level,
      tokens: s.tokens!.level,
      day: s.day!.used,
      slots: s.reservations.get(id)?.requests,
    });
    const once = levels();
    expect(once).toEqual({ requests: 1000 - 4, tokens: 100_000 - 900 - 500, day: 900, slots: 1 });
    expect(granted).toBeGreaterThan(4);
    // The same entry again (a resend) changes nothing.
    expect(settle(s, id, 900, limits, T0, partial)).toBe('kept');
    expect(levels()).toEqual(once);
    // The last request ends having used 300: the block is gone, everything accounted once.
    expect(settle(s, id, 1200, limits, T0, { requestsUsed: 4 })).toBe('removed');
    expect(levels()).toEqual({ requests: 996, tokens: 100_000 - 1200, day: 1200, slots: undefined });
    expect(settle(s, id, 1200, limits, T0, { requestsUsed: 4 })).toBe(false);
  });

  it('never admits more than the requests-per-minute limit, blocks or not (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 64 })), { maxLength: 200 }),
        (rpm, calls) => {
          const limits = { requestsPerMinute: rpm };
          const s = emptyState();
          let admitted = 0;
          for (const [wantsBlock, size] of calls) {
            const r = reserve(s, req(limits, 0, wantsBlock ? size : undefined), T0);
            if (r.ok) admitted += r.block ? r.block.requests : 1;
          }
          expect(admitted).toBeLessThanOrEqual(rpm);
        },
      ),
    );
  });
});
