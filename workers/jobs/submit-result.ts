import type { JobSettings } from '../../durable-objects/job-queue/config.ts';
import type { SubmitResult } from '../../durable-objects/job-queue/job-queue.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { Job } from '../../schemas/jobs.ts';
import { queueFullError } from './queue-full.ts';

/** The job a submit was answered with, or the error its refusal is to the client. */
export function acceptedJob(result: SubmitResult, settings: JobSettings): { job: Job; replayed: boolean } {
  if (result.ok) return { job: result.job, replayed: result.replayed };
  if (result.reason === 'store_failed') {
    throw new EcoError(
      500,
      'job_not_stored',
      `The job could not be stored, so nothing was queued: ${result.message}`,
    );
  }
  if (result.reason === 'queue_full') throw queueFullError(result, settings);
  throw new EcoError(
    409,
    'idempotency_key_reused',
    `This Idempotency-Key was already used with a different body (job '${result.jobId}').`,
    { param: 'Idempotency-Key' },
  );
}
