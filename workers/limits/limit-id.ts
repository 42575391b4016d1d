import type { RateLimiter } from '../../durable-objects/rate-limiter/rate-limiter.ts';
import type { LimiterLimits, SettleEntry } from '../../durable-objects/rate-limiter/types.ts';
import { EcoError } from '../../schemas/errors.ts';
import { AfterCallBatcher } from '../dispatch/after-call-batcher.ts';
import type { Env } from '../env.ts';
import { numberVar } from '../env.ts';
import { rateLimitHeaders } from './headers.ts';

/**
 * Settles are held back per limiter (in isolate memory) for at most this long and sent along with the
 * next reserve to the same limiter, or together in one call. Until then the reserved tokens and the
 * slot stay taken: a late settle can only refuse a little early, never admit too much.
 */
export const SETTLE_WINDOW_MS = 20;

const heldSettles = new AfterCallBatcher<SettleEntry>(SETTLE_WINDOW_MS);

export interface LimitTicket {
  headers: Record<string, string>;
  /** Settle the reserved tokens with what the request really used (undefined: nothing was served). */
  settle(usedTokens: number | undefined): Promise<void>;
}

const FREE: LimitTicket = { headers: {}, settle: async () => {} };

export function hasLimits(limits: LimiterLimits): boolean {
  return Boolean(
    limits.requestsPerMinute ||
      limits.tokensPerMinute ||
      limits.maxConcurrent ||
      limits.tokensPerDay ||
      limits.tokensPerMonth,
  );
}

function limiter(env: Env, id: string) {
  return (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(id);
}

/**
 * Reserve against the limiter named `id` (an API key id, `jwt:<sub>`, an IM chat…). Throws a 429
 * EcoError with Retry-After and the rate-limit headers when refused; with no limits configured it
 * returns at once without a Durable Object round trip.
 */
export async function reserveForId(
  env: Env,
  id: string,
  limits: LimiterLimits,
  reservationId: string,
  tokens: number,
): Promise<LimitTicket> {
  if (!hasLimits(limits)) return FREE;
  const stub = limiter(env, id);
  const held = heldSettles.take(id);
  let result: Awaited<ReturnType<typeof stub.reserve>>;
  try {
    result = await stub.reserve({
      reservationId,
      tokens,
      limits,
      ttlMs: numberVar(env.ECO_LIMIT_RESERVATION_TTL_MS, 600_000),
      ...(held.length === 0 ? {} : { settles: held }),
    });
  } catch (err) {
    // Whether the held settles arrived is unknown: send them again (settling twice changes nothing).
    if (held.length > 0) await stub.settleMany(held).catch(() => {});
    throw err;
  }
  const headers = rateLimitHeaders(result.snapshot);
  if (!result.ok) {
    throw new EcoError(429, result.code, result.message, { retryAfterMs: result.retryAfterMs, headers });
  }
  let settled = false;
  return {
    headers,
    async settle(usedTokens) {
      if (settled) return;
      settled = true;
      return heldSettles.add(id, { reservationId, usedTokens: usedTokens ?? null, limits }, async (items) => {
        await limiter(env, id).settleMany(items);
      });
    },
  };
}

/**
 * Count one event (and optionally tokens) against `id` without holding anything: for per-chat or
 * per-sender limits. Never throws a domain error: returns whether it was allowed and how long to wait.
 */
export async function hitLimit(
  env: Env,
  id: string,
  limits: LimiterLimits,
  tokens = 0,
): Promise<{ ok: true } | { ok: false; retryAfterMs: number; code: string }> {
  if (!hasLimits(limits)) return { ok: true };
  const result = await limiter(env, id).reserve({
    reservationId: crypto.randomUUID(),
    tokens,
    limits,
    ttlMs: 0,
    instant: true,
  });
  return result.ok ? { ok: true } : { ok: false, retryAfterMs: result.retryAfterMs, code: result.code };
}
