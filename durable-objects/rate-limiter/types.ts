/** Wire types of the RateLimiter Durable Object (plain data: they cross RPC). */
export interface LimiterLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  maxConcurrent?: number;
  tokensPerDay?: number;
  tokensPerMonth?: number;
}

export interface ReserveRequest {
  /** Unique per request; settling uses it. */
  reservationId: string;
  /** Tokens held until settle: prompt estimate plus completion budget. */
  tokens: number;
  limits: LimiterLimits;
  /**
   * A reservation neither settled nor renewed for this long (its isolate crashed) is released; a
   * running request renews it (see workers/limits/reservation-renewal.ts).
   */
  ttlMs: number;
  /** Charge and settle at once (no concurrency slot): for callers that only count events. */
  instant?: boolean;
  /** Settles this isolate held back, applied before this request is decided. */
  settles?: SettleEntry[];
  /**
   * The caller can take a block: up to this many requests (each like this one) reserved at once,
   * which it then admits itself. Granted only with ample headroom on every limit.
   */
  block?: number;
}

/** Requests, tokens and concurrency slots reserved at once for one isolate to admit on its own. */
export interface LimiterBlock {
  requests: number;
  tokens: number;
}

/** One finished reservation, as sent in a batch. */
export interface SettleEntry {
  reservationId: string;
  /** What the request really used (null: nothing was served). */
  usedTokens: number | null;
  limits: LimiterLimits;
  /** For a block: how many of its requests were admitted (the rest are given back). */
  requestsUsed?: number;
  /**
   * For a block whose window is over but whose requests are not all done: what it still holds (its
   * running requests and the tokens they reserved). `usedTokens` is then the total used so far. Both
   * are absolute, so a repeated or reordered entry changes nothing.
   */
  keep?: { requests: number; tokens: number };
  /**
   * Requests of this reservation the engine pools refused before any origin saw them: they go back to
   * the requests-per-minute bucket. Absolute (a block's settles repeat it), so only the increase counts.
   */
  refundedRequests?: number;
}

export interface BucketSnapshot {
  limit: number;
  remaining: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
}

export interface LimiterSnapshot {
  requests: BucketSnapshot | null;
  tokens: BucketSnapshot | null;
}

/**
 * `request_exceeds_budget`: the reservation is larger than a whole day or month budget, so it can
 * never be admitted; its `retryAfterMs` is 0 (not worth retrying).
 */
export type RefusalCode =
  | 'rate_limit_exceeded'
  | 'concurrency_limit_exceeded'
  | 'budget_exceeded'
  | 'request_exceeds_budget';

export type ReserveResult =
  | { ok: true; snapshot: LimiterSnapshot; block?: LimiterBlock }
  | { ok: false; code: RefusalCode; message: string; retryAfterMs: number; snapshot: LimiterSnapshot };
