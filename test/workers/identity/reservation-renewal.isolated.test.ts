import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  emptyState,
  renew,
  reserve,
  sweepExpired,
} from '../../../durable-objects/rate-limiter/limiter-core.ts';
import type { RateLimiter } from '../../../durable-objects/rate-limiter/rate-limiter.ts';
import { settings } from '../../../workers/config/read-settings.ts';
import type { Env } from '../../../workers/env.ts';
import { reserveForId } from '../../../workers/limits/limit-id.ts';
import { renewWhileRunning } from '../../../workers/limits/reservation-renewal.ts';

const T0 = Date.UTC(2026, 2, 10, 12, 0, 0);
const limits = { maxConcurrent: 1 };

describe('limiter core: renewed reservations', () => {
  it('a renewed reservation outlives its first expiry; one not renewed is released and frees its slot', () => {
    const s = emptyState();
    expect(reserve(s, { reservationId: 'a', tokens: 0, limits, ttlMs: 60_000 }, T0).ok).toBe(true);
    expect(renew(s, ['a'], 60_000, T0 + 50_000).map((r) => r.expiresAt)).toEqual([T0 + 110_000]);
    expect(sweepExpired(s, T0 + 60_000)).toEqual([]);
    const refused = reserve(s, { reservationId: 'b', tokens: 0, limits, ttlMs: 60_000 }, T0 + 60_000);
    expect(refused.ok ? '' : refused.code).toBe('concurrency_limit_exceeded');
    // No renewal since: the slot frees one TTL after the last one.
    expect(sweepExpired(s, T0 + 110_000)).toEqual(['a']);
    expect(reserve(s, { reservationId: 'b', tokens: 0, limits, ttlMs: 60_000 }, T0 + 110_000).ok).toBe(true);
  });

  it('never shortens a reservation, skips unknown ids and cannot revive a swept one', () => {
    const s = emptyState();
    reserve(s, { reservationId: 'a', tokens: 0, limits, ttlMs: 600_000 }, T0);
    expect(renew(s, ['a', 'gone'], 60_000, T0 + 1000)).toEqual([]);
    expect(s.reservations.get('a')?.expiresAt).toBe(T0 + 600_000);
    sweepExpired(s, T0 + 600_000);
    expect(renew(s, ['a'], 60_000, T0 + 600_000)).toEqual([]);
    expect(s.reservations.size).toBe(0);
  });
});

describe('renewWhileRunning', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('renews every quarter of the TTL while running, and not once stopped', async () => {
    const send = vi.fn(async () => {});
    const stop = renewWhileRunning('limiter\nr1', 60_000, send);
    await vi.advanceTimersByTimeAsync(14_999);
    expect(send).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(send).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(45_000);
    expect(send).toHaveBeenCalledTimes(4);
    stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(send).toHaveBeenCalledTimes(4);
  });

  it('sends one renewal per period for the requests sharing one block, until the last of them stops', async () => {
    const send = vi.fn(async () => {});
    const first = renewWhileRunning('limiter\nblock', 60_000, send);
    await vi.advanceTimersByTimeAsync(5_000);
    const second = renewWhileRunning('limiter\nblock', 60_000, send);
    await vi.advanceTimersByTimeAsync(40_000);
    // Ticks at 15, 30 and 45 s (first) renew; those at 20 and 35 s (second) come within half a period.
    expect(send).toHaveBeenCalledTimes(3);
    first();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(send).toHaveBeenCalledTimes(4);
    second();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(send).toHaveBeenCalledTimes(4);
  });

  it('sends no second renewal while one is on its way', async () => {
    let arrive: () => void = () => {};
    const send = vi.fn(
      () =>
        new Promise<void>((resolve) => {
          arrive = resolve;
        }),
    );
    const first = renewWhileRunning('limiter\nslow', 60_000, send);
    await vi.advanceTimersByTimeAsync(5_000);
    const second = renewWhileRunning('limiter\nslow', 60_000, send);
    // 15 s: the first holder sends; 20 s and 30 s: that renewal has not arrived, nobody sends again.
    await vi.advanceTimersByTimeAsync(27_000);
    expect(send).toHaveBeenCalledTimes(1);
    arrive();
    // 35 s: arrived at 32 s, lately enough that the second holder leaves it; 45 s: the first renews.
    await vi.advanceTimersByTimeAsync(13_000);
    expect(send).toHaveBeenCalledTimes(2);
    first();
    second();
  });

  it('after a renewal that failed, the next tick of any holder tries again', async () => {
    let calls = 0;
    const send = vi.fn(async () => {
      if (++calls === 1) throw new Error('limiter unreachable');
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const first = renewWhileRunning('limiter\nlost', 60_000, send);
    await vi.advanceTimersByTimeAsync(5_000);
    const second = renewWhileRunning('limiter\nlost', 60_000, send);
    // 15 s: the first holder's call is lost (and logged); 20 s: the second holder's goes through.
    await vi.advanceTimersByTimeAsync(15_000);
    expect(send).toHaveBeenCalledTimes(2);
    expect(warn).toHaveBeenCalledWith(
      'limit reservation renewal failed',
      expect.objectContaining({ key: 'limiter\nlost' }),
    );
    first();
    second();
    warn.mockRestore();
  });
});

describe('rate limiter object: renew', () => {
  it('stores the renewed expiry, so a restart keeps the reservation held', async () => {
    const stub = (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName('renewals');
    await stub.reserve({ reservationId: 'r', tokens: 10, limits, ttlMs: 60_000 });
    const before = Date.now();
    await stub.renew(['r'], 3_600_000);
    await stub.inspect(); // flushes the write-behind
    const rows = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql.exec<{ expires_at: number }>('SELECT expires_at FROM reservations').toArray(),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.expires_at).toBeGreaterThanOrEqual(before + 3_600_000);
  });

  it('applies the settle a closed block renews with: the block shrinks to the requests it still runs', async () => {
    const ample = { requestsPerMinute: 100_000, maxConcurrent: 1000 };
    const stub = (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(
      'renew-block-do',
    );
    const granted = await stub.reserve({
      reservationId: 'blk',
      tokens: 10,
      limits: ample,
      ttlMs: 60_000,
      block: 16,
    });
    expect(granted.ok && granted.block?.requests).toBe(16);
    expect((await stub.inspect()).inFlight).toBe(16);
    // The settle at the block's close was lost; the renewal says again what the block still holds.
    const entry = {
      reservationId: 'blk',
      usedTokens: 30,
      limits: ample,
      requestsUsed: 3,
      keep: { requests: 1, tokens: 10 },
    };
    await stub.renew(['blk'], 60_000, [entry]);
    expect(await stub.inspect()).toMatchObject({ inFlight: 1, dayUsed: 30 });
    // Said again (every renewal carries it), it changes nothing more.
    await stub.renew(['blk'], 60_000, [entry]);
    expect(await stub.inspect()).toMatchObject({ inFlight: 1, dayUsed: 30 });
  });
});

describe('a held reservation is renewed by its request', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A limiter stand-in: the real object's own timers would run in this test's context under a fake clock. */
  function fakeLimiter(block?: { requests: number; tokens: number }) {
    const calls: { ids: string[]; keep: number | undefined }[] = [];
    const stub = {
      reserve: async () => ({
        ok: true,
        snapshot: { requests: null, tokens: null },
        ...(block ? { block } : {}),
      }),
      renew: async (ids: string[], _ttlMs: number, settles?: { keep?: { requests: number } }[]) => {
        calls.push({ ids, keep: settles?.[0]?.keep?.requests });
      },
      settleMany: async () => {},
    };
    return { calls, env: { ...env, RATE_LIMITER: { getByName: () => stub } } as unknown as Env };
  }

  it('a direct reservation: every quarter of the TTL while its ticket is unsettled, then never', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const limiter = fakeLimiter();
    const ticket = await reserveForId(limiter.env, 'renew-direct', limits, 'held', 10);
    const ttlMs = settings(limiter.env).ECO_LIMIT_RESERVATION_TTL_MS;
    await vi.advanceTimersByTimeAsync(ttlMs / 2);
    expect(limiter.calls).toEqual([
      { ids: ['held'], keep: undefined },
      { ids: ['held'], keep: undefined },
    ]);
    const settled = ticket.settle(10);
    await vi.advanceTimersByTimeAsync(ttlMs);
    await settled;
    expect(limiter.calls).toHaveLength(2);
  });

  it("a block's requests: one renewal between them while one runs, none once the last has settled", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const limiter = fakeLimiter({ requests: 16, tokens: 160 });
    const { calls } = limiter;
    const fakeEnv = limiter.env;
    const ample = { requestsPerMinute: 100_000, maxConcurrent: 1000 };
    const background: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => {
      background.push(p);
    };
    const first = await reserveForId(fakeEnv, 'renew-block', ample, 'blk', 10, { waitUntil });
    const second = await reserveForId(fakeEnv, 'renew-block', ample, 'other', 10, { waitUntil });
    const ttlMs = settings(fakeEnv).ECO_LIMIT_RESERVATION_TTL_MS;
    await vi.advanceTimersByTimeAsync(ttlMs / 3);
    // Both requests came from the block granted to the first: its reservation, renewed once, with
    // what the block (closed after its window) still holds: two running requests.
    expect(calls).toEqual([{ ids: ['blk'], keep: 2 }]);
    // A settle of a closed block waits for the held-settle window (a timer): the clock moves on meanwhile.
    const firstSettled = first.settle(10);
    await vi.advanceTimersByTimeAsync(ttlMs / 3);
    await firstSettled;
    expect(calls).toEqual([
      { ids: ['blk'], keep: 2 },
      { ids: ['blk'], keep: 1 },
    ]);
    const secondSettled = second.settle(10);
    await vi.advanceTimersByTimeAsync(ttlMs);
    await secondSettled;
    expect(calls).toHaveLength(2);
    await Promise.all(background);
  });
});
