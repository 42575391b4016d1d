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

  it('renews every third of the TTL while running, and not once stopped', () => {
    const send = vi.fn(async () => {});
    const stop = renewWhileRunning('limiter\nr1', 60_000, send);
    vi.advanceTimersByTime(19_999);
    expect(send).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(send).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(40_000);
    expect(send).toHaveBeenCalledTimes(3);
    stop();
    vi.advanceTimersByTime(600_000);
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('sends one renewal per period for the requests sharing one block, until the last of them stops', () => {
    const send = vi.fn(async () => {});
    const first = renewWhileRunning('limiter\nblock', 60_000, send);
    vi.advanceTimersByTime(5_000);
    const second = renewWhileRunning('limiter\nblock', 60_000, send);
    vi.advanceTimersByTime(40_000);
    // Ticks at 20 s and 40 s (first) and 25 s (second, within half a period of 20 s): two renewals.
    expect(send).toHaveBeenCalledTimes(2);
    first();
    vi.advanceTimersByTime(20_000);
    expect(send).toHaveBeenCalledTimes(3);
    second();
    vi.advanceTimersByTime(600_000);
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('keeps renewing after a renewal call fails', () => {
    const send = vi.fn(async () => {
      throw new Error('limiter unreachable');
    });
    const stop = renewWhileRunning('limiter\nr2', 60_000, send);
    vi.advanceTimersByTime(60_000);
    expect(send).toHaveBeenCalledTimes(3);
    stop();
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
});

describe('a held reservation is renewed by its request', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const expiry = (id: string, reservationId: string) =>
    runInDurableObject(
      (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(id),
      async (instance, state) => {
        instance.inspect(); // flushes the write-behind
        return state.storage.sql
          .exec<{ expires_at: number }>('SELECT expires_at FROM reservations WHERE id = ?', reservationId)
          .toArray()[0]?.expires_at;
      },
    );

  it('a direct reservation: while the ticket is unsettled, every third of the TTL', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const ticket = await reserveForId(env as unknown as Env, 'renew-direct', limits, 'held', 10);
    const first = await expiry('renew-direct', 'held');
    expect(first).toBeDefined();
    const ttlMs = settings(env as unknown as Env).ECO_LIMIT_RESERVATION_TTL_MS;
    await vi.advanceTimersByTimeAsync(ttlMs / 3);
    let renewed = first;
    // The renewal is a call to the limiter; look until it has landed (bounded).
    for (let i = 0; i < 50 && renewed === first; i++) renewed = await expiry('renew-direct', 'held');
    expect(renewed).toBe(first! + ttlMs / 3);
    vi.useRealTimers(); // a settle waits on a real timer (see heldSettles)
    await ticket.settle(10);
  });

  it("a block's requests: one renewal between them while one runs, none once the last has settled", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    // A limiter stand-in: the real object's own timers would run in this test's context under a fake clock.
    const calls: string[][] = [];
    const stub = {
      reserve: async () => ({
        ok: true,
        snapshot: { requests: null, tokens: null },
        block: { requests: 16, tokens: 160 },
      }),
      renew: async (ids: string[]) => {
        calls.push(ids);
      },
      settleMany: async () => {},
    };
    const fakeEnv = { ...env, RATE_LIMITER: { getByName: () => stub } } as unknown as Env;
    const ample = { requestsPerMinute: 100_000, maxConcurrent: 1000 };
    const background: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => {
      background.push(p);
    };
    const first = await reserveForId(fakeEnv, 'renew-block', ample, 'blk', 10, { waitUntil });
    const second = await reserveForId(fakeEnv, 'renew-block', ample, 'other', 10, { waitUntil });
    const ttlMs = settings(fakeEnv).ECO_LIMIT_RESERVATION_TTL_MS;
    await vi.advanceTimersByTimeAsync(ttlMs / 3);
    // Both requests came from the block granted to the first: its reservation, renewed once.
    expect(calls).toEqual([['blk']]);
    // A settle of a closed block waits for the held-settle window (a timer): the clock moves on meanwhile.
    const firstSettled = first.settle(10);
    await vi.advanceTimersByTimeAsync(ttlMs / 3);
    await firstSettled;
    expect(calls).toEqual([['blk'], ['blk']]);
    const secondSettled = second.settle(10);
    await vi.advanceTimersByTimeAsync(ttlMs);
    await secondSettled;
    expect(calls).toHaveLength(2);
    await Promise.all(background);
  });
});
