import type { StoredStatus } from '../../durable-objects/job-queue/job-store.ts';
import { EcoError } from '../../schemas/errors.ts';
import { JobStatus } from '../../schemas/jobs.ts';

/**
 * The one value of a listing's query parameter. A repeated one (`status=queued&status=failed`) is
 * refused rather than read as its first value, which would answer a filter the client did not ask for.
 * `code` is the error code of the listing's other parameter errors.
 */
export function singleQueryValue(
  values: string[] | undefined,
  param: string,
  code = `invalid_${param}`,
): string | undefined {
  if (values === undefined || values.length <= 1) return values?.[0];
  throw new EcoError(400, code, `${param} may be given at most once.`, { param });
}

export type ListParam = 'status' | 'limit' | 'cursor' | 'tenant';

/** Every value of one query parameter, as a request gives them (Hono's `c.req.queries`). */
export type QueryValues = (param: ListParam) => string[] | undefined;

/** The one value of each listing parameter, read the same way by every listing. */
export const listQuery = (values: QueryValues) => (param: ListParam) =>
  singleQueryValue(values(param), param);

/**
 * The dead letter's `tenant`: absent lists every tenant. Empty is refused rather than read as absent,
 * which would widen an unset variable in a script (`tenant=$T`) to every tenant's failed jobs.
 */
export function tenantFilter(value: string | undefined): string | undefined {
  if (value !== '') return value;
  throw new EcoError(400, 'invalid_tenant', 'tenant may not be empty; leave it out to list every tenant.', {
    param: 'tenant',
  });
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

/** A listing's `limit`: 20 unless given, 1-100 in plain digits (not `0x10`, `1e1` or ` 5`). */
export function listLimit(value: string | undefined): number {
  if (value === undefined || value === '') return 20;
  const n = /^[0-9]{1,3}$/.test(value) ? Number(value) : Number.NaN;
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
