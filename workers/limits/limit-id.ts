import type { RateLimiter } from '../../durable-objects/rate-limiter/rate-limiter.ts';
import type { LimiterLimits } from '../../durable-objects/rate-limiter/types.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { Env } from '../env.ts';
import { numberVar } from '../env.ts';
import { rateLimitHeaders } from './headers.ts';

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
  const result = await stub.reserve({
    reservationId,
    tokens,
    limits,
    ttlMs: numberVar(env.ECO_LIMIT_RESERVATION_TTL_MS, 600_000),
  });
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
      await stub.settle(reservationId, usedTokens ?? null, limits);
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
