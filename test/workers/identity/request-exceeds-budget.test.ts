import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { periodEnd } from '../../../durable-objects/rate-limiter/budget-window.ts';
import { emptyState, reserve } from '../../../durable-objects/rate-limiter/limiter-core.ts';
import type { RateLimiter } from '../../../durable-objects/rate-limiter/rate-limiter.ts';
import type { LimiterLimits } from '../../../durable-objects/rate-limiter/types.ts';
import { blockRequestsWanted } from '../../../workers/limits/limit-blocks.ts';
import { reserveForId } from '../../../workers/limits/limit-id.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { refusal } from '../helpers/refusal.ts';
import { seedKey } from '../helpers/seed.ts';
import { chatAnswer, chatAs, seedVllmPool, waitFor } from './helpers.ts';

const T0 = Date.UTC(2026, 2, 10, 12, 0, 0);
const HOST = 'budget-fit-origin.test';
let n = 0;
const req = (limits: LimiterLimits, tokens: number) => ({
  reservationId: `f${++n}`,
  tokens,
  limits,
  ttlMs: 60_000,
});

const limiter = (id: string) =>
  (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(id);

type ErrorJson = { error: { message: string; type: string; param: string | null; code: string } };

beforeAll(() => seedVllmPool('budget-fit-pool', 'bf1', HOST, 'budget-fit-model'));

describe('a reservation larger than a whole token budget', () => {
  it('limiter core: refused as never admissible (no wait), while one that fits the limit waits honestly', () => {
    const limits = { tokensPerDay: 1000, tokensPerMonth: 5000, requestsPerMinute: 1 };
    const s = emptyState();
    const never = reserve(s, req(limits, 1001), T0);
    expect(never).toMatchObject({ ok: false, code: 'request_exceeds_budget', retryAfterMs: 0 });
    if (!never.ok) expect(never.message).toMatch(/1001 tokens.*daily token budget \(1000\)/);
    // Nothing was charged: a request that fits is still admitted.
    expect(reserve(s, req(limits, 900), T0).ok).toBe(true);
    // Over the minute limit too: the budget answer still wins, since waiting would never help.
    expect(reserve(s, req(limits, 1001), T0)).toMatchObject({ code: 'request_exceeds_budget' });
    // Fits the whole budget but not what is left of it (held in flight here): retryable.
    const later = reserve(s, req({ tokensPerDay: 1000 }, 1000), T0);
    expect(later).toMatchObject({ ok: false, code: 'budget_exceeded' });
    expect(reserve(emptyState(), req({ tokensPerMonth: 10 }, 11), T0)).toMatchObject({
      code: 'request_exceeds_budget',
      retryAfterMs: 0,
    });
    const month = emptyState();
    reserve(month, { ...req({ tokensPerMonth: 10 }, 8), instant: true }, T0);
    const wait = reserve(month, req({ tokensPerMonth: 10 }, 5), T0);
    expect(wait).toMatchObject({ code: 'budget_exceeded', retryAfterMs: periodEnd('month', T0) - T0 });
  });

  it("the isolate's block and the limiter object give the same 400; the block is kept", async () => {
    const limits = { tokensPerDay: 1_000_000 };
    const pending: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => void pending.push(p);
    // A block is granted for small requests: later ones are admitted in the isolate.
    await reserveForId(env, 'fit-block', limits, 'a1', 100, { waitUntil });
    expect(await limiter('fit-block').inspect()).toMatchObject({ inFlight: 16 });

    const fromBlock = await refusal(
      reserveForId(env, 'fit-block', limits, 'a2', 2_000_000, { waitUntil, promptTokens: 30 }),
    );
    const fromObject = await refusal(
      reserveForId(env, 'fit-object', limits, 'b1', 2_000_000, { waitUntil, promptTokens: 30 }),
    );
    for (const err of [fromBlock, fromObject]) {
      expect(err).toMatchObject({ status: 400, code: 'request_exceeds_budget', param: 'max_tokens' });
      expect(err.retryAfterMs).toBeUndefined();
      expect(err.message).toContain('daily token budget (1000000)');
      expect(err.message).toContain('2000000 tokens (prompt estimate 30 + completion budget 1999970)');
      expect(err.message).toContain('max_tokens to at most 999970');
    }
    expect(fromBlock.message).toBe(fromObject.message);
    // Neither charged anything, and the block still admits (it was not taken as used up).
    expect(blockRequestsWanted('fit-block')).toBe(16);
    await reserveForId(env, 'fit-block', limits, 'a3', 100, { waitUntil });
    expect(await limiter('fit-block').inspect()).toMatchObject({ inFlight: 16, dayUsed: 0 });
    expect(await limiter('fit-object').inspect()).toMatchObject({ inFlight: 0, dayUsed: 0 });
    await Promise.all(pending);
  });

  it('over HTTP: 400 invalid_request_error naming the budget and the reservation, no Retry-After', async () => {
    let served = 0;
    mockOrigin(HOST, () => {
      served++;
      return chatAnswer('ok', { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
    });
    const key = await seedKey({ id: 'key_fit', limits: { tokensPerDay: 200 } });
    for (const extra of [{ max_tokens: 500 }, {}]) {
      const res = await chatAs(key, 'budget-fit-model', 'hello there', extra);
      const body = (await res.json()) as ErrorJson;
      expect({ status: res.status, ...body.error, message: undefined }).toEqual({
        status: 400,
        type: 'invalid_request_error',
        code: 'request_exceeds_budget',
        param: 'max_tokens',
        message: undefined,
      });
      expect(body.error.message).toMatch(/reserves \d+ tokens .*daily token budget \(200\)/);
      expect(res.headers.get('retry-after')).toBeNull();
      expect(res.headers.get('retry-after-ms')).toBeNull();
    }
    // A prompt that alone exceeds the budget: a smaller max_tokens would not help.
    const long = await chatAs(key, 'budget-fit-model', 'x'.repeat(2000), { max_tokens: 1 });
    const longBody = (await long.json()) as ErrorJson;
    expect(long.status).toBe(400);
    expect(longBody.error).toMatchObject({ code: 'request_exceeds_budget', param: null });
    expect(longBody.error.message).toContain('shorten the input');
    expect(served).toBe(0);
    expect(await limiter('key_fit').inspect()).toEqual({ inFlight: 0, dayUsed: 0, monthUsed: 0 });
    expect((await chatAs(key, 'budget-fit-model', 'hello there', { max_tokens: 10 })).status).toBe(200);
    await waitFor(async () => (await limiter('key_fit').inspect()).inFlight === 0, 3000);
  });
});
