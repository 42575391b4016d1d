import type { JobSettings } from '../../durable-objects/job-queue/config.ts';
import type { SubmitResult } from '../../durable-objects/job-queue/job-queue.ts';
import { EcoError } from '../../schemas/errors.ts';

type QueueFull = Extract<SubmitResult, { reason: 'queue_full' }>;

/** A submit refused by the shard's bound on unfinished jobs: 429 with the bound and when to retry. */
export function queueFullError(result: QueueFull, settings: JobSettings): EcoError {
  const perShard =
    settings.shards > 1 ? `, enforced as ${result.limit} in each of its ${settings.shards} shards` : '';
  return new EcoError(
    429,
    'job_queue_full',
    `The job queue is full: a tenant may have at most ${settings.maxPending} unfinished jobs (queued or running)` +
      `${perShard}, and the shard for this job holds ${result.unfinished}. Nothing was queued; retry after jobs finish.`,
    { retryAfterMs: result.retryAfterMs },
  );
}
