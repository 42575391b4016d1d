/** A per-chat token bucket: `burst` messages at once, refilled at `perMinute`. Pure; the clock is passed in. */
export interface BucketState {
  tokens: number;
  updatedAt: number;
}

export interface BucketConfig {
  perMinute: number;
  burst: number;
}

export function takeToken(
  state: BucketState | undefined,
  config: BucketConfig,
  now: number,
): { allowed: boolean; state: BucketState; retryAfterMs: number } {
  const burst = Math.max(1, config.burst);
  const ratePerMs = Math.max(0, config.perMinute) / 60_000;
  const elapsed = state ? Math.max(0, now - state.updatedAt) : 0;
  const tokens = Math.min(burst, (state?.tokens ?? burst) + elapsed * ratePerMs);
  if (tokens >= 1) return { allowed: true, state: { tokens: tokens - 1, updatedAt: now }, retryAfterMs: 0 };
  const retryAfterMs = ratePerMs > 0 ? Math.ceil((1 - tokens) / ratePerMs) : Number.POSITIVE_INFINITY;
  return { allowed: false, state: { tokens, updatedAt: now }, retryAfterMs };
}
