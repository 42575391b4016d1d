import { settings } from '../../workers/config/read-settings.ts';
import { SETTINGS } from '../../workers/config/settings.ts';

/**
 * Job settings from Worker vars (all optional; defaults and ranges in workers/config/settings.ts). Read by the route (shards,
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
export const MAX_JOB_SHARDS = SETTINGS.ECO_JOB_SHARDS.max;

export function jobSettings(env: Record<string, unknown>): JobSettings {
  const s = settings(env);
  return {
    shards: s.ECO_JOB_SHARDS,
    concurrency: s.ECO_JOB_CONCURRENCY,
    maxAttempts: s.ECO_JOB_MAX_ATTEMPTS,
    retryBaseMs: s.ECO_JOB_RETRY_BASE_MS,
    retryMaxMs: 300_000,
    defaultTimeoutS: s.ECO_JOB_DEFAULT_TIMEOUT_S,
    attemptTimeoutMs: s.ECO_JOB_ATTEMPT_TIMEOUT_S * 1000,
    deadLetterShards: s.ECO_JOB_DEAD_LETTER_SHARDS,
    retentionMs: s.ECO_JOB_RETENTION_HOURS * 3_600_000,
    maxPending: s.ECO_JOB_MAX_PENDING,
    callbackMaxAttempts: s.ECO_JOB_CALLBACK_MAX_ATTEMPTS,
    callbackRetryBaseMs: s.ECO_JOB_CALLBACK_RETRY_BASE_MS,
    callbackTimeoutMs: 10_000,
  };
}
