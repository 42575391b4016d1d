import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../../durable-objects/rate-limiter/rate-limiter.ts';
import { reserveForId } from '../../../workers/limits/limit-id.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { chatAnswer, chatAs, chatStreamAnswer, seedVllmPool, waitFor } from './helpers.ts';

const HOST = 'limits-origin.test';

beforeAll(() => seedVllmPool('limits-pool', 'l1', HOST, 'limits-model'));

const completion = (usage = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 }) =>
  chatAnswer('ok', usage);

const chat = (key: string, extra: Record<string, unknown> = {}) =>
  chatAs(key, 'limits-model', 'hello there', extra);

const limiter = (id: string) =>
  (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(id);

describe('per-key limits over HTTP', () => {
  it('a concurrent burst gets exactly requests_per_minute answers; the rest 429 with honest headers', async () => {
    let served = 0;
    mockOrigin(HOST, () => {
      served++;
      return completion();
    });
    const key = await seedKey({ id: 'key_rpm', limits: { requestsPerMinute: 5 } });
    const responses = await Promise.all(Array.from({ length: 12 }, () => chat(key)));
    const ok = responses.filter((r) => r.status === 200);
    const limited = responses.filter((r) => r.status === 429);
    expect(ok).toHaveLength(5);
    expect(limited).toHaveLength(7);
    expect(served).toBe(5); // refused requests never reach an origin
    expect(ok.map((r) => Number(r.headers.get('x-ratelimit-remaining-requests'))).sort()).toEqual([
      0, 1, 2, 3, 4,
    ]);
    for (const r of ok) {
      expect(r.headers.get('x-ratelimit-limit-requests')).toBe('5');
      expect(r.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+ms|\d+(\.\d+)?s)$/);
    }
    for (const r of limited) {
      const body = (await r.json()) as { error: { code: string; type: string } };
      expect(body.error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
      const ms = Number(r.headers.get('retry-after-ms'));
      // One request refills every 12 s: the wait says so (less the time the burst took to decide), and
      // Retry-After is its ceiling in seconds.
      expect(ms).toBeGreaterThan(9_000);
      expect(ms).toBeLessThanOrEqual(12_000);
      expect(r.headers.get('retry-after')).toBe(String(Math.ceil(ms / 1000)));
      expect(r.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    }
  });

  it('reserves prompt + max_tokens at admission and settles to the real usage (JSON and stream)', async () => {
    mockOrigin(HOST, async (req) => {
      const body = (await req.json()) as { stream?: boolean };
      if (!body.stream) return completion({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
      return chatStreamAnswer('a', { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 });
    });
    const key = await seedKey({
      id: 'key_tpm',
      limits: { tokensPerMinute: 600_000, tokensPerDay: 1_000_000 },
    });
    const res = await chat(key, { max_tokens: 4000 });
    expect(res.status).toBe(200);
    // Remaining reflects the reservation (prompt estimate + 4000), not the real usage yet.
    expect(Number(res.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThanOrEqual(600_000 - 4000);
    const stub = limiter('key_tpm');
    await waitFor(async () => (await stub.inspect()).inFlight === 0, 3000);
    expect(await stub.inspect()).toMatchObject({ inFlight: 0, dayUsed: 10 });

    const streamed = await chat(key, {
      max_tokens: 4000,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(streamed.status).toBe(200);
    await streamed.text();
    await waitFor(async () => (await stub.inspect()).dayUsed === 22, 3000);
    expect((await stub.inspect()).inFlight).toBe(0);
  });

  it('a failed request gives its reservation back and holds no slot', async () => {
    mockOrigin(HOST, () => new Response('{"error":"bad"}', { status: 400 }));
    const key = await seedKey({ id: 'key_fail', limits: { tokensPerDay: 100_000, maxConcurrent: 1 } });
    expect((await chat(key)).status).toBe(400);
    const stub = limiter('key_fail');
    await waitFor(async () => (await stub.inspect()).inFlight === 0, 3000);
    expect((await stub.inspect()).dayUsed).toBe(0);
  });

  it('max_concurrent holds exactly that many in flight', async () => {
    // The held origin polls a flag: resolving its promise from the test would cross request contexts.
    let released = false;
    let started = 0;
    mockOrigin(HOST, async () => {
      started++;
      while (!released) await new Promise((r) => setTimeout(r, 5));
      return completion();
    });
    const key = await seedKey({ id: 'key_conc', limits: { maxConcurrent: 2 } });
    const first = [chat(key), chat(key)];
    await waitFor(async () => started === 2, 3000);
    const third = await chat(key);
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe(
      'concurrency_limit_exceeded',
    );
    expect(third.headers.get('retry-after')).toBe('1');
    released = true;
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200]);
    await waitFor(async () => (await limiter('key_conc').inspect()).inFlight === 0, 3000);
    mockOrigin(HOST, () => completion());
    expect((await chat(key)).status).toBe(200);
  });

  it('a spent daily budget answers budget_exceeded until the next UTC midnight', async () => {
    mockOrigin(HOST, () => completion());
    const limits = { tokensPerDay: 200 };
    const key = await seedKey({ id: 'key_budget', limits });
    // 150 of the 200 used today: a request that fits the budget but not what is left of it waits.
    await limiter('key_budget').reserve({
      reservationId: 'spent',
      tokens: 150,
      limits,
      ttlMs: 0,
      instant: true,
    });
    const res = await chat(key, { max_tokens: 100 });
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('budget_exceeded');
    const now = Date.now();
    const midnight = Date.UTC(
      new Date(now).getUTCFullYear(),
      new Date(now).getUTCMonth(),
      new Date(now).getUTCDate() + 1,
    );
    const ms = Number(res.headers.get('retry-after-ms'));
    expect(Math.abs(ms - (midnight - now))).toBeLessThan(5000);
    expect((await chat(key, { max_tokens: 10 })).status).toBe(200);
  });

  it('keys without limits send no rate-limit headers and never touch the limiter', async () => {
    mockOrigin(HOST, () => completion());
    const key = await seedKey({ id: 'key_free' });
    const res = await chat(key);
    expect(res.status).toBe(200);
    expect([...res.headers.keys()].filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);
    expect(await limiter('key_free').inspect()).toEqual({ inFlight: 0, dayUsed: 0, monthUsed: 0 });
  });

  it("a held settle rides along with this isolate's next reserve, before that reserve is decided", async () => {
    const limits = { maxConcurrent: 1, tokensPerDay: 1000 };
    const first = await reserveForId(env, 'held-ride', limits, 'r1', 50);
    const held = first.settle(7);
    // One slot: admitted only because the held settle reached the limiter first.
    const second = await reserveForId(env, 'held-ride', limits, 'r2', 50);
    await held;
    expect(await limiter('held-ride').inspect()).toMatchObject({ inFlight: 1, dayUsed: 7 });
    await second.settle(undefined);
    await second.settle(99); // only the first settle counts
    expect(await limiter('held-ride').inspect()).toMatchObject({ inFlight: 0, dayUsed: 7 });
  });

  it('settles in a batch are applied once each; unknown ids change nothing', async () => {
    const stub = limiter('held-batch');
    const limits = { maxConcurrent: 2, tokensPerDay: 1000 };
    for (const id of ['a', 'b'])
      expect((await stub.reserve({ reservationId: id, tokens: 100, limits, ttlMs: 60_000 })).ok).toBe(true);
    expect((await stub.reserve({ reservationId: 'c', tokens: 100, limits, ttlMs: 60_000 })).ok).toBe(false);
    const settled = await stub.reserve({
      reservationId: 'c',
      tokens: 100,
      limits,
      ttlMs: 60_000,
      settles: [{ reservationId: 'a', usedTokens: 10, limits }],
    });
    expect(settled.ok).toBe(true);
    await stub.settleMany([
      { reservationId: 'a', usedTokens: 500, limits },
      { reservationId: 'b', usedTokens: 20, limits },
      { reservationId: 'b', usedTokens: 500, limits },
      { reservationId: 'nope', usedTokens: 500, limits },
    ]);
    expect(await stub.inspect()).toMatchObject({ inFlight: 1, dayUsed: 30 });
  });
});
