import { budgetTooSmall, PERIOD_ADJECTIVE } from './budget-fit.ts';
import { type BudgetPeriod, type BudgetWindow, currentWindow, periodEnd } from './budget-window.ts';
import { formatDuration } from './duration.ts';
import { type Bucket, refill, untilFull, waitFor } from './token-bucket.ts';
import type { LimiterLimits, LimiterSnapshot, RefusalCode, ReserveRequest, ReserveResult } from './types.ts';

export interface Reservation {
  id: string;
  /** Counted against the day/month budgets until settled. */
  tokens: number;
  /** Taken from the tokens-per-minute bucket (the reservation, capped at the bucket size). */
  bucketCharge: number;
  expiresAt: number;
  /** A block (see LimiterBlock): the concurrency slots it holds. */
  requests?: number;
  /** A block's requests taken from the minute bucket, until a settle says how many were used. */
  granted?: number;
  /** A block's tokens already counted as used (its settles carry running totals). */
  charged?: number;
  /** How many requests a block was granted (bounds what its settles may give back). */
  size?: number;
  /** Requests already given back because the pools refused them (settles carry running totals). */
  refunded?: number;
}

/** Everything one limiter holds; the Durable Object persists it, this module only computes. */
export interface LimiterState {
  requests: Bucket | null;
  tokens: Bucket | null;
  day: BudgetWindow | null;
  month: BudgetWindow | null;
  reservations: Map<string, Reservation>;
}

export function emptyState(): LimiterState {
  return { requests: null, tokens: null, day: null, month: null, reservations: new Map() };
}

/** When a concurrency slot frees up is unknowable; this is the retry hint given. */
export const CONCURRENCY_RETRY_MS = 1000;

function outstanding(state: LimiterState): number {
  let sum = 0;
  for (const r of state.reservations.values()) sum += r.tokens;
  return sum;
}

/** Concurrency slots held: one per reservation, a block's as many as its requests. */
export function heldSlots(state: LimiterState): number {
  let sum = 0;
  for (const r of state.reservations.values()) sum += r.requests ?? 1;
  return sum;
}

/** A block is at most this share of what is left on every limit, so it can never overshoot one. */
const BLOCK_SHARE = 20;

/**
 * Requests in a block like `tokens`-sized ones the limits can spare now, or 0 (no block): each limit
 * must have at least BLOCK_SHARE times the block left.
 */
function blockRequests(
  state: LimiterState,
  limits: LimiterLimits,
  tokens: number,
  wanted: number,
  inFlight: number,
  held: number,
): number {
  let n = wanted;
  const cap = (room: number, per: number) => {
    if (per > 0) n = Math.min(n, Math.floor(room / (BLOCK_SHARE * per)));
  };
  if (state.requests) cap(state.requests.level, 1);
  if (state.tokens) cap(state.tokens.level, Math.max(1, tokens));
  if (limits.maxConcurrent) cap(limits.maxConcurrent - held, 1 / 4);
  if (limits.tokensPerDay) cap(limits.tokensPerDay - state.day!.used - inFlight, Math.max(1, tokens));
  if (limits.tokensPerMonth) cap(limits.tokensPerMonth - state.month!.used - inFlight, Math.max(1, tokens));
  return n >= 2 ? n : 0;
}

/** Reservations whose holder stopped renewing them and never settled (a crashed isolate): charged in full and released. */
export function sweepExpired(state: LimiterState, now: number): string[] {
  const expired: string[] = [];
  for (const r of state.reservations.values()) {
    if (r.expiresAt > now) continue;
    expired.push(r.id);
    state.reservations.delete(r.id);
    if (state.day) state.day.used += r.tokens;
    if (state.month) state.month.used += r.tokens;
  }
  return expired;
}

/**
 * Push back the expiry of reservations whose requests are still running (their isolate renews them),
 * to `ttlMs` from now; never earlier than it was. Unknown ids (settled, or swept) are skipped.
 */
export function renew(
  state: LimiterState,
  ids: readonly string[],
  ttlMs: number,
  now: number,
): Reservation[] {
  const renewed: Reservation[] = [];
  for (const id of ids) {
    const r = state.reservations.get(id);
    if (!r || r.expiresAt >= now + ttlMs) continue;
    r.expiresAt = now + ttlMs;
    renewed.push(r);
  }
  return renewed;
}

function advance(state: LimiterState, limits: LimiterLimits, now: number): void {
  state.requests = limits.requestsPerMinute ? refill(state.requests, limits.requestsPerMinute, now) : null;
  state.tokens = limits.tokensPerMinute ? refill(state.tokens, limits.tokensPerMinute, now) : null;
  state.day = currentWindow(state.day, 'day', now);
  state.month = currentWindow(state.month, 'month', now);
}

export function snapshot(state: LimiterState, limits: LimiterLimits): LimiterSnapshot {
  const view = (bucket: Bucket | null, capacity: number | undefined) =>
    bucket && capacity
      ? {
          limit: capacity,
          remaining: Math.max(0, Math.floor(bucket.level)),
          resetMs: untilFull(bucket, capacity),
        }
      : null;
  return {
    requests: view(state.requests, limits.requestsPerMinute),
    tokens: view(state.tokens, limits.tokensPerMinute),
  };
}

interface Refusal {
  code: RefusalCode;
  message: string;
  retryAfterMs: number;
}

function budgetRefusal(
  period: BudgetPeriod,
  window: BudgetWindow,
  budget: number | undefined,
  inFlight: number,
  tokens: number,
  now: number,
): Refusal | null {
  if (!budget || window.used + inFlight + tokens <= budget) return null;
  const remaining = Math.max(0, budget - window.used);
  if (window.used + tokens <= budget) {
    return {
      code: 'budget_exceeded',
      message: `The ${PERIOD_ADJECTIVE[period]} token budget (${budget}) is held by requests in flight; retry shortly.`,
      retryAfterMs: CONCURRENCY_RETRY_MS,
    };
  }
  return {
    code: 'budget_exceeded',
    message:
      `The ${PERIOD_ADJECTIVE[period]} token budget (${budget}) is spent (${remaining} left, this request reserves ${tokens}); ` +
      `it resets in ${formatDuration(periodEnd(period, now) - now)} (UTC ${period} boundary).`,
    retryAfterMs: periodEnd(period, now) - now,
  };
}

/**
 * Admit or refuse one request atomically (the caller is single-threaded: a Durable Object). A
 * refused request changes nothing; an admitted one takes a request, reserves its tokens and holds
 * a concurrency slot until `settle`.
 */
export function reserve(state: LimiterState, req: ReserveRequest, now: number): ReserveResult {
  const { limits } = req;
  const tokens = Math.max(0, Math.ceil(req.tokens));
  advance(state, limits, now);
  const inFlight = outstanding(state);
  const held = heldSlots(state);
  const bucketCharge = limits.tokensPerMinute ? Math.min(tokens, limits.tokensPerMinute) : 0;

  const refusals: Refusal[] = [];
  const day = budgetRefusal('day', state.day!, limits.tokensPerDay, inFlight, tokens, now);
  const month = budgetRefusal('month', state.month!, limits.tokensPerMonth, inFlight, tokens, now);
  if (month) refusals.push(month);
  if (day) refusals.push(day);
  if (!req.instant && limits.maxConcurrent && held >= limits.maxConcurrent) {
    refusals.push({
      code: 'concurrency_limit_exceeded',
      message: `Too many concurrent requests for this key (limit ${limits.maxConcurrent}).`,
      retryAfterMs: CONCURRENCY_RETRY_MS,
    });
  }
  if (state.requests && limits.requestsPerMinute) {
    const wait = waitFor(state.requests, limits.requestsPerMinute, 1);
    if (wait > 0)
      refusals.push({
        code: 'rate_limit_exceeded',
        message: `Rate limit reached for requests per minute (limit ${limits.requestsPerMinute}); retry in ${formatDuration(wait)}.`,
        retryAfterMs: wait,
      });
  }
  if (state.tokens && limits.tokensPerMinute) {
    const wait = waitFor(state.tokens, limits.tokensPerMinute, bucketCharge);
    if (wait > 0)
      refusals.push({
        code: 'rate_limit_exceeded',
        message: `Rate limit reached for tokens per minute (limit ${limits.tokensPerMinute}, this request reserves ${bucketCharge}); retry in ${formatDuration(wait)}.`,
        retryAfterMs: wait,
      });
  }
  if (refusals.length > 0) {
    // Larger than a whole budget (only ever seen here, as a budget refusal): no wait would help.
    const never = budgetTooSmall(limits, tokens);
    if (never) {
      return {
        ok: false,
        code: 'request_exceeds_budget',
        message: `This request reserves ${tokens} tokens, more than the whole ${PERIOD_ADJECTIVE[never.period]} token budget (${never.budget}); it can never be admitted.`,
        retryAfterMs: 0,
        snapshot: snapshot(state, limits),
      };
    }
    // The first refusal names the cause; the wait is the longest, so retrying then can succeed.
    const retryAfterMs = Math.max(...refusals.map((r) => r.retryAfterMs));
    return { ok: false, ...refusals[0]!, retryAfterMs, snapshot: snapshot(state, limits) };
  }

  const requests =
    req.block && !req.instant ? blockRequests(state, limits, tokens, req.block, inFlight, held) : 0;
  if (requests > 1) {
    // A block: the requests, their tokens and their slots are all taken now, and given back at settle.
    const blockTokens = tokens * requests;
    const charge = limits.tokensPerMinute ? Math.min(blockTokens, limits.tokensPerMinute) : 0;
    if (state.requests) state.requests.level -= requests;
    if (state.tokens) state.tokens.level -= charge;
    state.reservations.set(req.reservationId, {
      id: req.reservationId,
      tokens: blockTokens,
      bucketCharge: charge,
      expiresAt: now + req.ttlMs,
      requests,
      granted: requests,
      size: requests,
    });
    return { ok: true, snapshot: snapshot(state, limits), block: { requests, tokens: blockTokens } };
  }
  if (state.requests) state.requests.level -= 1;
  if (state.tokens) state.tokens.level -= bucketCharge;
  if (req.instant) {
    state.day!.used += tokens;
    state.month!.used += tokens;
  } else {
    state.reservations.set(req.reservationId, {
      id: req.reservationId,
      tokens,
      bucketCharge,
      expiresAt: now + req.ttlMs,
    });
  }
  return { ok: true, snapshot: snapshot(state, limits) };
}

/**
 * Replace a reservation by what the request really used: the minute bucket gets the difference back
 * (or pays the excess), the budgets count the real tokens, the concurrency slot is freed. Unknown
 * ids (already settled, or swept) change nothing. Returns whether the reservation is gone or, for a
 * block told to `keep` some of it, still held (shrunk).
 */
export function settle(
  state: LimiterState,
  reservationId: string,
  usedTokens: number | null,
  limits: LimiterLimits,
  now: number,
  block: {
    requestsUsed?: number;
    keep?: { requests: number; tokens: number };
    refundedRequests?: number;
  } = {},
): 'removed' | 'kept' | false {
  advance(state, limits, now);
  const r = state.reservations.get(reservationId);
  if (!r) return false;
  // Requests nothing ran for (the pools refused them) go back to the minute bucket, each once.
  const refunded = Math.min(Math.max(0, Math.floor(block.refundedRequests ?? 0)), r.size ?? r.requests ?? 1);
  if (refunded > (r.refunded ?? 0)) {
    if (state.requests && limits.requestsPerMinute)
      state.requests.level = Math.min(
        limits.requestsPerMinute,
        state.requests.level + refunded - (r.refunded ?? 0),
      );
    r.refunded = refunded;
  }
  const used = Math.max(0, Math.ceil(usedTokens ?? 0));
  // A block's settles carry running totals: only what was not counted yet is charged now.
  const charge = r.requests === undefined ? used : Math.max(0, used - (r.charged ?? 0));
  if (r.requests !== undefined) r.charged = Math.max(r.charged ?? 0, used);
  if (r.granted !== undefined && block.requestsUsed !== undefined) {
    // A block's requests that were never admitted go back to the minute bucket, once.
    const unused = Math.max(0, r.granted - Math.max(0, Math.floor(block.requestsUsed)));
    if (state.requests && limits.requestsPerMinute)
      state.requests.level = Math.min(limits.requestsPerMinute, state.requests.level + unused);
    r.granted = undefined;
  }
  state.day!.used += charge;
  state.month!.used += charge;
  const keep = r.requests !== undefined && block.keep && block.keep.requests > 0 ? block.keep : undefined;
  const keepCharge = keep ? Math.min(r.bucketCharge, Math.max(0, Math.ceil(keep.tokens))) : 0;
  if (state.tokens && limits.tokensPerMinute) {
    state.tokens.level = Math.min(
      limits.tokensPerMinute,
      state.tokens.level + (r.bucketCharge - keepCharge) - charge,
    );
  }
  if (keep) {
    r.bucketCharge = keepCharge;
    r.tokens = Math.min(r.tokens, Math.max(0, Math.ceil(keep.tokens)));
    r.requests = Math.min(r.requests!, Math.floor(keep.requests));
    return 'kept';
  }
  state.reservations.delete(reservationId);
  return 'removed';
}
