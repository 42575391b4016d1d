/**
 * The bound on unfinished jobs. A tenant's bound (`ECO_JOB_MAX_PENDING`) is enforced by each of its
 * shard objects on its own share, so a submit never has to count across objects: a shard full of jobs
 * refuses more instead of filling its storage, which would also fail writes of the jobs it runs.
 */

/** Stored statuses of a job that is not finished: it holds a place in its shard's bound. */
export const UNFINISHED_STATUSES = ['queued', 'waiting', 'running'] as const;

/** Each shard's share of a tenant's bound (rounded up, so the shards together allow at least it). */
export function shardBound(tenantBound: number, shards: number): number {
  return Math.ceil(tenantBound / Math.max(1, shards));
}

/** The window whose finishes estimate how soon a place frees up. */
export const FINISH_WINDOW_MS = 60_000;
const MIN_RETRY_MS = 1_000;

/**
 * How long a refused submit should wait: at the rate jobs of the shard finished over the last window,
 * one place frees up every `window / finished`; with none finished, a whole window. Kept between one
 * second and one window, so clients neither hammer a full queue nor wait long after it drains.
 */
export function queueFullRetryAfterMs(finishedInWindow: number): number {
  if (finishedInWindow <= 0) return FINISH_WINDOW_MS;
  return Math.min(FINISH_WINDOW_MS, Math.max(MIN_RETRY_MS, Math.ceil(FINISH_WINDOW_MS / finishedInWindow)));
}
