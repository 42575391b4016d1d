/**
 * Job settings from Worker vars (all optional; defaults in docs/jobs.md). Read by the route (shards,
 * attempts, timeouts) and by the JobQueue object (concurrency, backoff, retention).
 */
export interface JobSettings {
  shards: number;
  concurrency: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  defaultTimeoutS: number;
  /** How long one attempt may run before it is aborted and retried (below an alarm's 15 minutes). */
  attemptTimeoutMs: number;
  /** Shard objects one dead-letter page reads at most (each read is one Durable Object call). */
  deadLetterShards: number;
  retentionMs: number;
  /**
   * Unfinished jobs (queued, waiting or running) a tenant may have, enforced by each shard on its share
   * (see queue-bound.ts).
   */
  maxPending: number;
  callbackMaxAttempts: number;
  callbackRetryBaseMs: number;
  callbackTimeoutMs: number;
}

/** The most JobQueue objects a tenant may have (the ceiling of ECO_JOB_SHARDS). */
export const MAX_JOB_SHARDS = 256;

function num(value: unknown, fallback: number, min: number, max: number): number {
  if (typeof value !== 'string' || value.trim() === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

export function jobSettings(env: Record<string, unknown>): JobSettings {
  return {
    shards: Math.floor(num(env.ECO_JOB_SHARDS, 4, 1, MAX_JOB_SHARDS)),
    concurrency: Math.floor(num(env.ECO_JOB_CONCURRENCY, 4, 1, 6)),
    maxAttempts: Math.floor(num(env.ECO_JOB_MAX_ATTEMPTS, 4, 1, 20)),
    retryBaseMs: num(env.ECO_JOB_RETRY_BASE_MS, 2000, 0, 600_000),
    retryMaxMs: 300_000,
    defaultTimeoutS: Math.floor(num(env.ECO_JOB_DEFAULT_TIMEOUT_S, 3600, 1, 86_400)),
    attemptTimeoutMs: Math.floor(num(env.ECO_JOB_ATTEMPT_TIMEOUT_S, 600, 1, 720)) * 1000,
    deadLetterShards: Math.floor(num(env.ECO_JOB_DEAD_LETTER_SHARDS, MAX_JOB_SHARDS, 1, MAX_JOB_SHARDS)),
    retentionMs: num(env.ECO_JOB_RETENTION_HOURS, 168, 0.001, 24 * 365) * 3_600_000,
    maxPending: Math.floor(num(env.ECO_JOB_MAX_PENDING, 100_000, 1, 100_000_000)),
    callbackMaxAttempts: Math.floor(num(env.ECO_JOB_CALLBACK_MAX_ATTEMPTS, 10, 1, 30)),
    callbackRetryBaseMs: num(env.ECO_JOB_CALLBACK_RETRY_BASE_MS, 2000, 0, 600_000),
    callbackTimeoutMs: 10_000,
  };
}
