import type { RetryPolicy } from '../../schemas/config.ts';
import type { EcoError } from '../../schemas/errors.ts';

/**
 * Whether a failure before the first token is worth another try. Client mistakes (4xx other than 429)
 * fail fast; engine trouble, timeouts, broken or malformed streams are retried, then failed over.
 */
export function isRetryable(err: EcoError): boolean {
  if (err.status === 499) return false;
  if (err.status === 429) return true;
  if (err.status >= 500) return err.code !== 'origin_misconfigured' && err.code !== 'internal_error';
  return false;
}

/** Exponential backoff with full jitter, never shorter than what the origin asked for (capped). */
export function backoffMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs?: number,
  random = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = Math.floor(random() * ceiling);
  if (retryAfterMs === undefined) return jittered;
  return Math.min(Math.max(jittered, retryAfterMs), policy.maxDelayMs);
}

/** The breaker's view of a failure: 429/503 with Retry-After is "back off", a client error is neither. */
export function outcomeKind(err: EcoError): 'failure' | 'client_error' | 'backoff' | 'aborted' {
  if (err.status === 499) return 'aborted';
  if ((err.status === 429 || err.status === 503) && err.retryAfterMs !== undefined) return 'backoff';
  if (err.status < 500 && err.status !== 429) return 'client_error';
  return 'failure';
}
