import type { StoredStatus } from '../../durable-objects/job-queue/job-store.ts';
import { EcoError } from '../../schemas/errors.ts';
import { JobStatus } from '../../schemas/jobs.ts';

/**
 * The one value of a listing's query parameter. A repeated one (`status=queued&status=failed`) is
 * refused rather than read as its first value, which would answer a filter the client did not ask for.
 */
export function singleQueryValue(
  values: string[] | undefined,
  param: 'status' | 'limit' | 'cursor',
): string | undefined {
  if (values === undefined || values.length <= 1) return values?.[0];
  throw new EcoError(400, `invalid_${param}`, `${param} may be given at most once.`, { param });
}

/** The stored statuses a `status` query stands for (null: any). */
export function statusesFor(status: string | undefined): StoredStatus[] | null {
  if (status === undefined || status === '') return null;
  const parsed = JobStatus.safeParse(status);
  if (!parsed.success) {
    throw new EcoError(400, 'invalid_status', `status must be one of ${JobStatus.options.join(', ')}.`, {
      param: 'status',
    });
  }
  // A job waiting out a retry backoff is still `queued`.
  return parsed.data === 'queued' ? ['queued', 'waiting'] : [parsed.data];
}

/** A listing's `limit`: 20 unless given, 1-100. */
export function listLimit(value: string | undefined): number {
  if (value === undefined || value === '') return 20;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new EcoError(400, 'invalid_limit', 'limit must be an integer from 1 to 100.', { param: 'limit' });
  }
  return n;
}

/**
 * Stored bytes one listing page may load from its shards together, shared equally by the shards a
 * page reads (jobs carry results of up to 1 MiB). A page that reaches it comes back shorter, with
 * `next_cursor`; a single job larger than its shard's share comes back alone on a page.
 */
export const LIST_PAGE_BYTES = 8 * 1024 * 1024;
