import type { JobError } from '../../schemas/jobs.ts';

/**
 * Why a run that never became an attempt waits: `limit`, the key's own rate or budget limits refused
 * it; `concurrency`, the key's `max_concurrent` did (a run of the key ending may free the slot, see
 * key-slot-wake.ts); `capacity`, the engine pools refused it before any origin saw the request.
 */
export type WaitKind = 'limit' | 'concurrency' | 'capacity';

/** How a wait is told in the job's transition notes: the key's limits (`limit`), or pool `capacity`. */
export function waitNoteLabel(kind: WaitKind): 'limit' | 'capacity' {
  return kind === 'capacity' ? 'capacity' : 'limit';
}

/**
 * 429 codes of the submitting key's own limits (workers/limits): its requests/tokens per minute,
 * its concurrent requests, and its daily/monthly token budget (spent, or held by requests in flight).
 * The request was fine; it only has to wait, so such a run is not an attempt. Pool refusals are
 * told apart by the gateway's own marker instead (see `waitKind`).
 */
const KEY_LIMIT_CODES: ReadonlySet<string> = new Set([
  'rate_limit_exceeded',
  'concurrency_limit_exceeded',
  'budget_exceeded',
]);

export function isKeyLimitRefusal(error: JobError): boolean {
  return error.status === 429 && error.code !== null && KEY_LIMIT_CODES.has(error.code);
}

/**
 * Whether a failed run is a wait rather than an attempt. A 429 or 503 that the gateway marks as
 * refused by the engine pool (queue full, shed, queue wait over, no origin available) never reached an
 * engine: the gateway could not start the work. The same codes from an origin's own answer (an
 * `origin_unavailable` 503 of an engine, say) carry no marker and stay attempts.
 */
export function waitKind(error: JobError, refusedByPool: boolean): WaitKind | null {
  if (isKeyLimitRefusal(error)) return error.code === 'concurrency_limit_exceeded' ? 'concurrency' : 'limit';
  if (refusedByPool && (error.status === 429 || error.status === 503)) return 'capacity';
  return null;
}

/** What the gateway answers a 429 without its own Retry-After (workers/http/error-response.ts). */
const DEFAULT_RETRY_AFTER_MS = 1000;
const MIN_JITTER_MS = 100;
const MAX_JITTER_MS = 5 * 60_000;
/** The jitter's span is Retry-After × 2^(waits in a row) / 4, up to this many times Retry-After. */
const MAX_JITTER_FACTOR = 16;

/**
 * How long a run refused by its key's limit or the pools' capacity waits: the Retry-After, never
 * less, plus jitter so a burst does not wake at once. The span grows with the job's refusals in a
 * row: when many more jobs wait than the limit admits, their wake-ups spread out instead of all
 * calling again each time a request frees up, while a job that waits alone is back soon after the
 * Retry-After.
 */
export function limitWaitMs(
  retryAfterMs: number | undefined,
  waitsInRow: number,
  random: () => number,
): number {
  const floor = retryAfterMs !== undefined && retryAfterMs > 0 ? retryAfterMs : DEFAULT_RETRY_AFTER_MS;
  const factor = Math.min(MAX_JITTER_FACTOR, 2 ** Math.max(0, waitsInRow - 1) / 4);
  const span = Math.min(MAX_JITTER_MS, Math.max(MIN_JITTER_MS, floor * factor));
  return Math.ceil(floor + random() * span);
}
