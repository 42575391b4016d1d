import type { JobViewRow } from './job-view.ts';
import type { Sql } from './sql.ts';

/** A position in a listing: the (created_at, id) of a job; listings run newest first below it. */
export interface ListKey {
  createdAt: number;
  id: string;
}

export interface ListQuery {
  /** null: every tenant (admin). */
  tenant: string | null;
  statuses: string[] | null;
  limit: number;
  before: ListKey | null;
  /** Stored bytes (LIST_ROW_BYTES) the rows may hold together; a row that does not fit ends the page. */
  maxBytes: number;
}

export interface ListPage {
  rows: JobViewRow[];
  /** Stored bytes of `rows`, as LIST_ROW_BYTES measures them. */
  bytes: number;
  /** The newest matching job not returned (the count or the byte limit stopped before it); null: none left. */
  stop: ListKey | null;
}

/** The columns a job's public view reads. The request is not among them: a listing never loads it. */
const VIEW_COLUMNS = `id, type, status, priority, model, base_url, created_at, deadline_at, next_run_at,
  attempts, max_attempts, started_at, finished_at, result, usage, error, metadata, transitions, attempt_log,
  callback_url, callback_status, callback_attempts, callback_next_at, callback_delivered_at, callback_error`;

/**
 * What one listed row weighs: the UTF-8 bytes of the text it carries into the view, plus a fixed part
 * for its short fields. `octet_length` reads a value's stored size without reading the value, so a row
 * is measured without being loaded.
 */
const LIST_ROW_BYTES = `(256 + octet_length(id) + octet_length(model) + octet_length(base_url)
  + octet_length(transitions) + octet_length(attempt_log)
  + ifnull(octet_length(result), 0) + ifnull(octet_length(usage), 0) + ifnull(octet_length(error), 0)
  + ifnull(octet_length(metadata), 0) + ifnull(octet_length(callback_url), 0)
  + ifnull(octet_length(callback_error), 0))`;

/** How many of the leading rows fit: at most `limit`, while their sizes together stay within `maxBytes`. */
export function rowsWithin(
  sizes: number[],
  limit: number,
  maxBytes: number,
): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  while (count < sizes.length && count < limit && bytes + sizes[count]! <= maxBytes) {
    bytes += sizes[count]!;
    count++;
  }
  return { count, bytes };
}

/**
 * Matching jobs newest first, below `before`, within a count and a byte limit (possibly none, when the
 * newest is larger than `maxBytes`). Sizes and keys are read first, then only the rows that fit.
 */
export function listJobs(sql: Sql, query: ListQuery): ListPage {
  const where: string[] = [];
  const args: unknown[] = [];
  if (query.tenant !== null) {
    where.push('tenant = ?');
    args.push(query.tenant);
  }
  if (query.statuses) {
    where.push(`status IN (${query.statuses.map(() => '?').join(', ')})`);
    args.push(...query.statuses);
  }
  if (query.before) {
    where.push('(created_at, id) < (?, ?)');
    args.push(query.before.createdAt, query.before.id);
  }
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  // One more key than the limit: it says where the page stopped, if it stopped before the end.
  const keys = sql
    .exec<{ created_at: number; id: string; size: number }>(
      `SELECT created_at, id, ${LIST_ROW_BYTES} AS size FROM jobs ${clause}
       ORDER BY created_at DESC, id DESC LIMIT ?`,
      ...args,
      query.limit + 1,
    )
    .toArray();
  const { count, bytes } = rowsWithin(
    keys.map((k) => k.size),
    query.limit,
    query.maxBytes,
  );
  const next = keys[count];
  const stop = next ? { createdAt: next.created_at, id: next.id } : null;
  if (count === 0) return { rows: [], bytes: 0, stop };
  const last = keys[count - 1]!;
  // The same rows again, now whole: the object runs this method without interleaving, so nothing moved.
  const rows = sql
    .exec<JobViewRow>(
      `SELECT ${VIEW_COLUMNS} FROM jobs ${clause ? `${clause} AND` : 'WHERE'} (created_at, id) >= (?, ?)
       ORDER BY created_at DESC, id DESC LIMIT ?`,
      ...args,
      last.created_at,
      last.id,
      count,
    )
    .toArray();
  return { rows, bytes, stop };
}
