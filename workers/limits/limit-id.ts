import { budgetTooSmall } from '../../durable-objects/rate-limiter/budget-fit.ts';
import type { LimiterLimits } from '../../durable-objects/rate-limiter/types.ts';
import { EcoError } from '../../schemas/errors.ts';
import { settings } from '../config/read-settings.ts';
import { once } from '../dispatch/once.ts';
import { refusedByPool } from '../dispatch/refused-by.ts';
import type { After } from '../dispatch/request-timers.ts';
import { objectUnavailable, transient } from '../durable-object-failure.ts';
import type { Env } from '../env.ts';
import { requestExceedsBudget } from './budget-error.ts';
import { rateLimitHeaders } from './headers.ts';
import {
  blockRefilled,
  blockRequestsWanted,
  fromLimitBlock,
  openLimitBlock,
  refillUnderWay,
  startRefill,
} from './limit-blocks.ts';
import { heldSettles, keepReservation, type LimitTicket, limiter, sendSettles } from './limiter-stub.ts';

/** Block calls of other requests a request waits for before it calls the limiter itself. */
const MAX_REFILL_WAITS = 3;

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

/** Some limit counts tokens (as the limiter reads them: 0 or absent is no limit). */
export function hasTokenLimits(limits: LimiterLimits): boolean {
  return Boolean(limits.tokensPerMinute || limits.tokensPerDay || limits.tokensPerMonth);
}

export interface ReserveOptions {
  /** Lets the limiter grant this isolate a block of requests (see limit-blocks.ts). */
  waitUntil?: ((promise: Promise<unknown>) => void) | undefined;
  /** The prompt's share of the tokens; the rest is a completion budget the caller could lower. */
  promptTokens?: number | undefined;
  /** The request's timers, which keep the reservation renewed while it runs. */
  after?: After | undefined;
}

/**
 * Reserve against the limiter named `id` (an API key id, `jwt:<tenant>/<sub>`, an IM chat…). Throws a 429
 * EcoError with Retry-After and the rate-limit headers when refused (a 400 when the request is larger
 * than a whole token budget); with no limits configured it returns at once without a Durable Object
 * round trip, and so it does while this isolate holds a block with room for the request.
 */
export async function reserveForId(
  env: Env,
  id: string,
  limits: LimiterLimits,
  reservationId: string,
  tokens: number,
  options: ReserveOptions = {},
): Promise<LimitTicket> {
  if (!hasLimits(limits)) return FREE;
  const { waitUntil, promptTokens, after } = options;
  const limitsText = JSON.stringify(limits);
  const local = fromLimitBlock(id, limitsText, tokens, promptTokens, after);
  if (local) return local;
  if (!waitUntil) return reserveFromLimiter(env, id, limits, limitsText, reservationId, tokens, options);
  // A block holds fewer requests than may be waiting for it: those left over wait for the next call
  // under way (a larger block, once blocks run out within their window), a bounded number of times.
  // A call that brought no block (a limit is too close for blocks) ends the waiting: each asks itself.
  // A call too slow to wait for is given up: the first waiter to wake calls in its place, the others
  // wait for that call.
  for (let waits = 0; waits < MAX_REFILL_WAITS; waits++) {
    const refill = refillUnderWay(id);
    if (!refill) break;
    const outcome = await blockRefilled(refill);
    // Whatever this wait ended with, a block may be open now (another call may have brought it).
    const refilled = fromLimitBlock(id, limitsText, tokens, promptTokens, after);
    if (refilled) return refilled;
    if (outcome === 'none') break;
  }
  const finished = startRefill(id);
  try {
    return await reserveFromLimiter(env, id, limits, limitsText, reservationId, tokens, options);
  } finally {
    finished();
  }
}

/** One round trip to the limiter object; with `waitUntil`, it may grant this isolate a block. */
async function reserveFromLimiter(
  env: Env,
  id: string,
  limits: LimiterLimits,
  limitsText: string,
  reservationId: string,
  tokens: number,
  { waitUntil, promptTokens, after }: ReserveOptions,
): Promise<LimitTicket> {
  const stub = limiter(env, id);
  const held = heldSettles.take(id);
  const ttlMs = settings(env).ECO_LIMIT_RESERVATION_TTL_MS;
  let result: Awaited<ReturnType<typeof stub.reserve>>;
  try {
    result = await stub.reserve({
      reservationId,
      tokens,
      limits,
      ttlMs,
      ...(held.length === 0 ? {} : { settles: held }),
      ...(waitUntil ? { block: blockRequestsWanted(id) } : {}),
    });
  } catch (err) {
    // Whether the held settles arrived is unknown: they ride along with the next call to the limiter,
    // or leave in a batch of their own (settling twice changes nothing). Dropped, each would hold its
    // reservation (a concurrency slot, tokens) until it expires.
    if (held.length > 0) {
      const send = sendSettles(env, id);
      const requeued = Promise.all(held.map((entry) => heldSettles.add(id, entry, send))).catch(
        (failed: unknown) => console.warn('limit settles failed again', failed),
      );
      if (waitUntil) waitUntil(requeued);
    }
    throw transient(err) ? limiterUnavailable(err) : err;
  }
  const headers = rateLimitHeaders(result.snapshot);
  if (!result.ok) {
    const over = result.code === 'request_exceeds_budget' ? budgetTooSmall(limits, tokens) : null;
    if (over) throw requestExceedsBudget(over, promptTokens, headers);
    throw new EcoError(429, result.code, result.message, { retryAfterMs: result.retryAfterMs, headers });
  }
  if (result.block && waitUntil) {
    return openLimitBlock(
      env,
      id,
      { reservationId, limits, limitsText, tokens, snapshot: result.snapshot, block: result.block, ttlMs },
      waitUntil,
      after,
    );
  }
  const stopRenewing = keepReservation(env, id, reservationId, ttlMs, undefined, after);
  return {
    headers,
    settle: once((usedTokens: number | undefined, refund = false) => {
      stopRenewing();
      return heldSettles.add(
        id,
        {
          reservationId,
          usedTokens: usedTokens ?? null,
          limits,
          ...(refund ? { refundedRequests: 1 } : {}),
        },
        sendSettles(env, id),
      );
    }),
  };
}

/**
 * The limiter object failed in a passing way (overloaded, reset, connection lost): a 503 to retry
 * shortly, marked as refused before any origin saw the request (a job waits instead of spending an
 * attempt), rather than an unexplained 500.
 */
function limiterUnavailable(cause: unknown): EcoError {
  return refusedByPool(
    objectUnavailable('limiter_unavailable', "The key's rate limiter did not answer; try again.", cause),
  );
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
