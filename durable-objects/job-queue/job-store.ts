import type { PriorityClass } from '../../schemas/config.ts';
import type { JobError, JobType } from '../../schemas/jobs.ts';
import { hasCapacityWaiters, wakeCapacityWaiters } from './capacity-wake.ts';
import { type ListPage, type ListQuery, listJobs } from './job-list.ts';
import { wakeKeySlotWaiters } from './key-slot-wake.ts';
import { type WaitKind, waitNoteLabel } from './limit-wait.ts';
import { PRIORITY_RANK } from './ordering.ts';
import { FINISH_WINDOW_MS, queueFullRetryAfterMs } from './queue-bound.ts';
import type { Sql } from './sql.ts';

/**
 * Stored status. `waiting` is a queued job sitting out a retry backoff (shown as `queued`); it has its
 * own value so the claim index only ever holds rows that may run now.
 */
export type StoredStatus =
  | 'queued'
  | 'waiting'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'expired';

export interface JobRow {
  [column: string]: string | number | null;
  seq: number;
  id: string;
  tenant: string;
  key_id: string;
  type: JobType;
  status: StoredStatus;
  priority: PriorityClass;
  priority_rank: number;
  model: string;
  request: string;
  metadata: string | null;
  callback_url: string | null;
  base_url: string;
  created_at: number;
  deadline_at: number;
  next_run_at: number;
  attempts: number;
  max_attempts: number;
  /**
   * Runs refused by the key's own limits or the pools' capacity since the last attempt (these are
   * not attempts).
   */
  limit_waits: number;
  /**
   * What the latest of those waits is for (NULL in rows stored before the column: `limit`, which is
   * also what a `concurrency` wait counts as outside of early wake-ups).
   */
  wait_kind: WaitKind | null;
  /** The deadline's length from submission (null in rows stored before the column existed). */
  timeout_ms: number | null;
  started_at: number | null;
  finished_at: number | null;
  result: string | null;
  usage: string | null;
  error: string | null;
  transitions: string;
  attempt_log: string;
  callback_status: 'pending' | 'delivered' | 'failed' | null;
  callback_attempts: number;
  callback_next_at: number | null;
  callback_delivered_at: number | null;
  callback_error: string | null;
}

export interface NewJob {
  id: string;
  tenant: string;
  keyId: string;
  type: JobType;
  priority: PriorityClass;
  model: string;
  request: unknown;
  metadata?: Record<string, string> | undefined;
  callbackUrl?: string | undefined;
  baseUrl: string;
  timeoutMs: number;
  maxAttempts: number;
}

export interface Idempotency {
  scope: string;
  bodyHash: string;
}

export type EnqueueResult =
  | { kind: 'created'; row: JobRow }
  | { kind: 'replayed'; row: JobRow }
  | { kind: 'conflict'; jobId: string }
  | { kind: 'full'; limit: number; unfinished: number; retryAfterMs: number };

/** What a submit may add to. `maxUnfinished`: the shard's bound on unfinished jobs (none when absent). */
export interface EnqueueLimits {
  maxUnfinished?: number | undefined;
}

/**
 * One delivery of a job's callback: the attempt number, and the finish it reports. A replayed job
 * finishes again with a new `finished_at`, so a delivery of its earlier outcome that answers late
 * never settles the callback of the later one.
 */
export interface CallbackDelivery {
  id: string;
  attempt: number;
  finishedAt: number | null;
}

/** Idempotency keys answer with the same job for this long. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

const transition = (status: string, at: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ status, at, ...extra });

/** The submit path's reads for the bound: the kept count, and (on a refusal) recent finishes. */
export const UNFINISHED_COUNT_SQL = 'SELECT unfinished AS n FROM job_totals WHERE id = 1';
export const RECENT_FINISHES_SQL =
  'SELECT count(*) AS n FROM jobs WHERE finished_at IS NOT NULL AND finished_at > ?';

const PUSH_TRANSITION = `transitions = json_insert(transitions, '$[#]', json(?))`;
// Every terminal transition schedules the callback (when there is one) in the same write.
const TERMINAL_CALLBACK = `callback_status = CASE WHEN callback_url IS NULL THEN NULL ELSE 'pending' END,
  callback_attempts = 0, callback_next_at = CASE WHEN callback_url IS NULL THEN NULL ELSE ? END`;
const END_ATTEMPT = `attempt_log = json_set(attempt_log, '$[#-1].ended_at', ?, '$[#-1].outcome', ?, '$[#-1].error', json(?))`;

/**
 * The queue's bookkeeping in one object's SQLite. Every transition names the state it expects
 * (and, for running jobs, the attempt number), so a stale or repeated writer changes nothing: a
 * finished job can never be claimed or finished again.
 */
export class JobStore {
  private readonly sql: Sql;
  private readonly now: () => number;

  constructor(sql: Sql, now: () => number) {
    this.sql = sql;
    this.now = now;
  }

  /**
   * Jobs by stored status, callbacks by delivery status, and jobs waiting for their key's limit or
   * for pool capacity (for /metrics; each reads an index or scans once).
   */
  counts(): {
    jobs: Partial<Record<StoredStatus, number>>;
    callbacks: Record<string, number>;
    limitWaiting: number;
    capacityWaiting: number;
  } {
    const jobs: Partial<Record<StoredStatus, number>> = {};
    for (const row of this.sql
      .exec<{ status: StoredStatus; n: number }>('SELECT status, count(*) AS n FROM jobs GROUP BY status')
      .toArray())
      jobs[row.status] = row.n;
    const callbacks: Record<string, number> = {};
    for (const row of this.sql
      .exec<{ status: string; n: number }>(
        'SELECT callback_status AS status, count(*) AS n FROM jobs WHERE callback_status IS NOT NULL GROUP BY callback_status',
      )
      .toArray())
      callbacks[row.status] = row.n;
    const waits = this.sql
      .exec<{ capacity: number; n: number }>(
        `SELECT wait_kind IS 'capacity' AS capacity, count(*) AS n FROM jobs
         WHERE status = 'waiting' AND limit_waits > 0 GROUP BY 1`,
      )
      .toArray();
    const limitWaiting = waits.find((w) => !w.capacity)?.n ?? 0;
    const capacityWaiting = waits.find((w) => w.capacity)?.n ?? 0;
    return { jobs, callbacks, limitWaiting, capacityWaiting };
  }

  /** Jobs not finished (queued, waiting or running): one row kept by triggers (see sql.ts). */
  unfinishedCount(): number {
    return this.sql.exec<{ n: number }>(UNFINISHED_COUNT_SQL).toArray()[0]?.n ?? 0;
  }

  /**
   * Store a new job, or answer the job an idempotency key already names. A full shard refuses a new
   * job before anything is written; a repeated submit still answers its job, full or not.
   */
  enqueue(job: NewJob, idempotency?: Idempotency, limits: EnqueueLimits = {}): EnqueueResult {
    const now = this.now();
    const earlier = idempotency && this.idempotentJob(idempotency);
    if (earlier) return earlier;
    const limit = limits.maxUnfinished;
    if (limit !== undefined) {
      const unfinished = this.unfinishedCount();
      if (unfinished >= limit)
        return { kind: 'full', limit, unfinished, retryAfterMs: this.retryAfterFull(now) };
    }
    const row = this.sql
      .exec<JobRow>(
        `INSERT INTO jobs (id, tenant, key_id, type, status, priority, priority_rank, model, request, metadata,
           callback_url, base_url, created_at, deadline_at, timeout_ms, next_run_at, max_attempts, transitions)
         VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, json_array(json(?)))
         RETURNING *`,
        job.id,
        job.tenant,
        job.keyId,
        job.type,
        job.priority,
        PRIORITY_RANK[job.priority],
        job.model,
        // the request is stored in job_requests, below
        '',
        job.metadata ? JSON.stringify(job.metadata) : null,
        job.callbackUrl ?? null,
        job.baseUrl,
        now,
        now + job.timeoutMs,
        job.timeoutMs,
        now,
        job.maxAttempts,
        transition('queued', now),
      )
      .one();
    this.sql.exec(
      'INSERT INTO job_requests (id, request) VALUES (?, ?)',
      job.id,
      JSON.stringify(job.request),
    );
    if (idempotency) {
      this.sql.exec(
        `INSERT INTO idempotency (scope, body_hash, job_id, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(scope) DO UPDATE SET body_hash = excluded.body_hash, job_id = excluded.job_id, created_at = excluded.created_at`,
        idempotency.scope,
        idempotency.bodyHash,
        job.id,
        now,
      );
    }
    return { kind: 'created', row: this.withRequest(row) };
  }

  /** A row with its request, from `job_requests` (jobs stored before that table keep theirs inline). */
  private withRequest(row: JobRow): JobRow {
    const stored = this.sql
      .exec<{ request: string }>('SELECT request FROM job_requests WHERE id = ?', row.id)
      .toArray()[0];
    return withStoredRequest(row, stored?.request ?? null);
  }

  /** When a full shard likely has room again, from its recent finishes (an index range, on refusal only). */
  private retryAfterFull(now: number): number {
    const finished = this.sql.exec<{ n: number }>(RECENT_FINISHES_SQL, now - FINISH_WINDOW_MS).one().n;
    return queueFullRetryAfterMs(finished);
  }

  /**
   * The job a live Idempotency-Key already names: `replayed` for the same body, `conflict` for another;
   * undefined when the key names none (or its job is gone).
   */
  idempotentJob(
    idempotency: Idempotency,
  ): Extract<EnqueueResult, { kind: 'replayed' | 'conflict' }> | undefined {
    const existing = this.sql
      .exec<{ body_hash: string; job_id: string; created_at: number }>(
        'SELECT body_hash, job_id, created_at FROM idempotency WHERE scope = ?',
        idempotency.scope,
      )
      .toArray()[0];
    if (!existing || existing.created_at <= this.now() - IDEMPOTENCY_TTL_MS) return undefined;
    if (existing.body_hash !== idempotency.bodyHash) return { kind: 'conflict', jobId: existing.job_id };
    const row = this.get(existing.job_id);
    return row && { kind: 'replayed', row };
  }

  /** Whether an Idempotency-Key (`scope`) still names a job here. */
  holdsIdempotency(scope: string): boolean {
    return (
      this.sql
        .exec(
          'SELECT 1 AS x FROM idempotency WHERE scope = ? AND created_at > ?',
          scope,
          this.now() - IDEMPOTENCY_TTL_MS,
        )
        .toArray().length > 0
    );
  }

  get(id: string): JobRow | undefined {
    const row = this.sql.exec<JobRow>('SELECT * FROM jobs WHERE id = ?', id).toArray()[0];
    return row && this.withRequest(row);
  }

  /** Matching jobs newest first, within a count and a byte limit (see listJobs). */
  list(query: ListQuery): ListPage {
    return listJobs(this.sql, query);
  }

  /** Retries whose backoff has elapsed become claimable. */
  promoteDue(): number {
    // rowsWritten counts index entries too; RETURNING counts rows.
    return this.sql
      .exec(
        `UPDATE jobs SET status = 'queued' WHERE status = 'waiting' AND next_run_at <= ? RETURNING id`,
        this.now(),
      )
      .toArray().length;
  }

  /**
   * Jobs still waiting at their deadline expire without another attempt. The error says what the job
   * was waiting for (its key's limit, pool capacity, or a retry after a failed attempt), which the
   * expiry would otherwise hide. SET expressions read the row as it was before the update; the bare
   * placeholders after ?1 and ?2 number on from 3.
   */
  expireDue(): string[] {
    const now = this.now();
    const error = JSON.stringify(jobError(408, 'job_expired', 'The job did not finish before its deadline.'));
    return this.sql
      .exec<{ id: string }>(
        `UPDATE jobs SET status = 'expired', finished_at = ?1,
           error = json_set(?2, '$.message', json_extract(?2, '$.message') || CASE
             WHEN status = 'waiting' AND limit_waits > 0
               THEN printf(' It was waiting (%s).', json_extract(transitions, '$[#-1].note'))
             WHEN status = 'waiting' AND json_extract(error, '$.code') IS NOT NULL
               THEN printf(' Its last attempt failed (%s).', json_extract(error, '$.code'))
             ELSE '' END),
           ${PUSH_TRANSITION}, ${TERMINAL_CALLBACK}
         WHERE status IN ('queued', 'waiting') AND deadline_at <= ? RETURNING id`,
        now,
        error,
        transition('expired', now),
        now,
        now,
      )
      .toArray()
      .map((r) => r.id);
  }

  /**
   * Take up to `count` ready jobs, best class first and FIFO within it, and mark them running. One
   * statement, requests included, so all or nothing: a claim that storage refuses part-way leaves no
   * row running that no attempt will run.
   */
  claim(count: number): JobRow[] {
    if (count <= 0) return [];
    const now = this.now();
    const claimed = this.sql
      .exec<JobRow & { stored_request: string | null }>(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, ?),
           next_run_at = ?,
           transitions = json_insert(transitions, '$[#]', json_object('status', 'running', 'at', ?, 'attempt', attempts + 1)),
           attempt_log = json_insert(attempt_log, '$[#]', json_object('attempt', attempts + 1, 'started_at', ?,
             'ended_at', NULL, 'outcome', 'running', 'error', NULL))
         WHERE id IN (SELECT id FROM jobs WHERE status = 'queued' ORDER BY priority_rank, seq LIMIT ?)
         RETURNING *, (SELECT request FROM job_requests WHERE job_requests.id = jobs.id) AS stored_request`,
        now,
        now,
        now,
        now,
        count,
      )
      .toArray();
    // RETURNING has no order: attempts start in claim order.
    claimed.sort((a, b) => a.priority_rank - b.priority_rank || a.seq - b.seq);
    return claimed.map(({ stored_request, ...row }) => withStoredRequest(row, stored_request));
  }

  succeed(id: string, attempt: number, result: unknown, usage: unknown): boolean {
    const now = this.now();
    return (
      this.sql.exec(
        `UPDATE jobs SET status = 'succeeded', finished_at = ?, result = ?, usage = ?, error = NULL, limit_waits = 0,
           ${PUSH_TRANSITION}, ${END_ATTEMPT}, ${TERMINAL_CALLBACK}
         WHERE id = ? AND status = 'running' AND attempts = ?`,
        now,
        JSON.stringify(result),
        usage === undefined || usage === null ? null : JSON.stringify(usage),
        transition('succeeded', now, { attempt }),
        now,
        'succeeded',
        'null',
        now,
        id,
        attempt,
      ).rowsWritten > 0
    );
  }

  /** A retryable failure with attempts left: back to the queue after `delayMs`. */
  retryLater(id: string, attempt: number, error: JobError, delayMs: number): boolean {
    const now = this.now();
    return (
      this.sql.exec(
        `UPDATE jobs SET status = 'waiting', next_run_at = ?, error = ?, limit_waits = 0,
           ${PUSH_TRANSITION}, ${END_ATTEMPT}
         WHERE id = ? AND status = 'running' AND attempts = ?`,
        now + delayMs,
        JSON.stringify(error),
        transition('queued', now, { attempt, note: `retry in ${delayMs} ms` }),
        now,
        'retryable_error',
        JSON.stringify(error),
        id,
        attempt,
      ).rowsWritten > 0
    );
  }

  /**
   * A run refused by the key's own limit or the pools' capacity (`kind`, `code`) was not an attempt:
   * the attempt count and log go back to what they were, and the job waits `delayMs` (its deadline
   * still applies: `expireDue`). The claim's `running` transition becomes one `queued` transition
   * noting the wait; further waits in a row update that one instead of adding more, so a job waiting
   * for hours stays small.
   */
  limitWait(id: string, attempt: number, code: string, delayMs: number, kind: WaitKind = 'limit'): boolean {
    const now = this.now();
    return (
      this.sql.exec(
        `UPDATE jobs SET status = 'waiting', next_run_at = ?, attempts = attempts - 1,
           started_at = CASE WHEN attempts = 1 THEN NULL ELSE started_at END,
           limit_waits = limit_waits + 1, wait_kind = ?,
           transitions = json_set(
             CASE WHEN limit_waits > 0 THEN json_remove(transitions, '$[#-1]') ELSE transitions END,
             '$[#-1]',
             json_object('status', 'queued', 'at', ?, 'attempt', attempts,
               'note', printf('%s wait: %s (%d in a row)', ?, ?, limit_waits + 1))),
           attempt_log = json_remove(attempt_log, '$[#-1]')
         WHERE id = ? AND status = 'running' AND attempts = ?`,
        now + delayMs,
        kind,
        now,
        waitNoteLabel(kind),
        code,
        id,
        attempt,
      ).rowsWritten > 0
    );
  }

  /** Whether any job waits for pool capacity (see capacity-wake.ts). */
  hasCapacityWaiters(): boolean {
    return hasCapacityWaiters(this.sql);
  }

  /** Up to `count` capacity-waiting jobs of `models` become claimable now (see capacity-wake.ts). */
  wakeCapacityWaiters(models: readonly string[], count: number): string[] {
    return wakeCapacityWaiters(this.sql, this.now(), models, count);
  }

  /** Up to `count` of `keyId`'s jobs waiting for a concurrency slot become claimable now (see key-slot-wake.ts). */
  wakeKeySlotWaiters(keyId: string, count: number): string[] {
    return wakeKeySlotWaiters(this.sql, this.now(), keyId, count);
  }

  /** Terminal failure (out of attempts, or not retryable) or expiry of a running attempt. */
  finishWithError(
    id: string,
    attempt: number,
    status: 'failed' | 'expired',
    error: JobError,
    outcome: string,
  ): boolean {
    const now = this.now();
    return (
      this.sql.exec(
        `UPDATE jobs SET status = ?, finished_at = ?, error = ?, limit_waits = 0, ${PUSH_TRANSITION}, ${END_ATTEMPT},
           ${TERMINAL_CALLBACK}
         WHERE id = ? AND status = 'running' AND attempts = ?`,
        status,
        now,
        JSON.stringify(error),
        transition(status, now, { attempt }),
        now,
        outcome,
        JSON.stringify(error),
        now,
        id,
        attempt,
      ).rowsWritten > 0
    );
  }

  /** Cancel an unfinished job; answers the status it had, or undefined when it was already finished. */
  cancel(id: string): StoredStatus | undefined {
    const row = this.get(id);
    if (!row || !['queued', 'waiting', 'running'].includes(row.status)) return undefined;
    const now = this.now();
    const endAttempt = row.status === 'running' ? `, ${END_ATTEMPT}` : '';
    const attemptArgs = row.status === 'running' ? [now, 'cancelled', 'null'] : [];
    const changed = this.sql.exec(
      `UPDATE jobs SET status = 'cancelled', finished_at = ?, ${PUSH_TRANSITION}${endAttempt}, ${TERMINAL_CALLBACK}
       WHERE id = ? AND status = ?`,
      now,
      transition('cancelled', now),
      ...attemptArgs,
      now,
      id,
      row.status,
    ).rowsWritten;
    return changed > 0 ? row.status : undefined;
  }

  /**
   * A failed job goes back to the queue with fresh attempts (its start time is the replayed run's; the
   * attempt log keeps the earlier ones) and a fresh deadline of the same length:
   * its timeout, not `deadline_at - created_at`, which grows with every replay. Rows stored before
   * `timeout_ms` existed fall back to that difference.
   */
  replay(id: string): boolean {
    const now = this.now();
    return (
      this.sql.exec(
        `UPDATE jobs SET status = 'queued', attempts = 0, limit_waits = 0, error = NULL, started_at = NULL, finished_at = NULL, next_run_at = ?,
           deadline_at = ? + COALESCE(timeout_ms, deadline_at - created_at), callback_status = NULL, callback_attempts = 0,
           callback_next_at = NULL, callback_delivered_at = NULL, callback_error = NULL, ${PUSH_TRANSITION}
         WHERE id = ? AND status = 'failed'`,
        now,
        now,
        transition('queued', now, { note: 'replayed' }),
        id,
      ).rowsWritten > 0
    );
  }

  /**
   * Running jobs with no attempt in flight go back to the queue (at-least-once): all of them after a
   * restart, or all but `inFlight` (the attempts this instance runs) after a drain cut short or an
   * outcome that could not be stored. An interrupted attempt counts, so a job that takes the object
   * down every time it runs fails after its last attempt instead of running again forever. The ids go
   * as one JSON parameter: SQLite caps bound parameters.
   */
  recoverInterrupted(inFlight: readonly string[] = []): number {
    const now = this.now();
    const error = JSON.stringify(
      jobError(
        500,
        'job_interrupted',
        'The job was interrupted on its last attempt (a restart or a storage failure).',
      ),
    );
    const spare = `status = 'running' AND id NOT IN (SELECT value FROM json_each(?))`;
    const skip = JSON.stringify(inFlight);
    const failed = this.sql
      .exec(
        `UPDATE jobs SET status = 'failed', finished_at = ?, error = ?, limit_waits = 0,
         transitions = json_insert(transitions, '$[#]', json_object('status', 'failed', 'at', ?, 'attempt', attempts, 'note', 'interrupted')),
         ${END_ATTEMPT}, ${TERMINAL_CALLBACK}
       WHERE ${spare} AND attempts >= max_attempts RETURNING id`,
        now,
        error,
        now,
        now,
        'interrupted',
        'null',
        now,
        skip,
      )
      .toArray().length;
    return (
      failed +
      this.sql
        .exec(
          `UPDATE jobs SET status = 'queued', next_run_at = ?, limit_waits = 0,
         transitions = json_insert(transitions, '$[#]', json_object('status', 'queued', 'at', ?, 'attempt', attempts, 'note', 'interrupted')),
         ${END_ATTEMPT}
       WHERE ${spare} RETURNING id`,
          now,
          now,
          now,
          'interrupted',
          'null',
          skip,
        )
        .toArray().length
    );
  }

  dueCallbacks(count: number): JobRow[] {
    return this.sql
      .exec<JobRow>(
        `SELECT * FROM jobs WHERE callback_status = 'pending' AND callback_next_at <= ?
         ORDER BY callback_next_at LIMIT ?`,
        this.now(),
        count,
      )
      .toArray();
  }

  callbackDelivered(delivery: CallbackDelivery): boolean {
    return (
      this.sql.exec(
        `UPDATE jobs SET callback_status = 'delivered', callback_attempts = ?, callback_delivered_at = ?,
           callback_next_at = NULL, callback_error = NULL
         WHERE id = ? AND callback_status = 'pending' AND callback_attempts = ? AND finished_at IS ?`,
        delivery.attempt,
        this.now(),
        delivery.id,
        delivery.attempt - 1,
        delivery.finishedAt,
      ).rowsWritten > 0
    );
  }

  /** A failed delivery: retried at `nextAt`, or given up (null); the job and its result stay. */
  callbackFailed(delivery: CallbackDelivery, error: string, nextAt: number | null): boolean {
    return (
      this.sql.exec(
        `UPDATE jobs SET callback_status = ?, callback_attempts = ?, callback_next_at = ?, callback_error = ?
         WHERE id = ? AND callback_status = 'pending' AND callback_attempts = ? AND finished_at IS ?`,
        nextAt === null ? 'failed' : 'pending',
        delivery.attempt,
        nextAt,
        error,
        delivery.id,
        delivery.attempt - 1,
        delivery.finishedAt,
      ).rowsWritten > 0
    );
  }

  /**
   * Delete finished jobs older than the retention period (in bounded batches) and old idempotency keys.
   * A job its Idempotency-Key still names stays until the key expires (a retention under 24 h would
   * otherwise let a resubmit with that key run the job again). Keys go first, so their jobs go with them.
   */
  purge(retentionMs: number, batch = PURGE_BATCH): number {
    const now = this.now();
    this.sql.exec('DELETE FROM idempotency WHERE created_at <= ?', now - IDEMPOTENCY_TTL_MS);
    return this.sql
      .exec(
        `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at <= ?
         AND (callback_status IS NULL OR callback_status != 'pending')
         AND NOT EXISTS (SELECT 1 FROM idempotency WHERE idempotency.job_id = jobs.id)
         ORDER BY finished_at LIMIT ?) RETURNING id`,
        now - retentionMs,
        batch,
      )
      .toArray().length;
  }

  /**
   * When the object next has something to do (null: nothing), from indexed minimums only.
   * `readyCounts: false` ignores claimable jobs (the caller is at capacity); `after` ignores
   * moments not later than it (work already due is in flight or waiting for a free slot).
   */
  nextWake(retentionMs: number, options: { readyCounts: boolean; after?: number }): number | null {
    const now = this.now();
    if (options.readyCounts) {
      const ready = this.sql.exec(`SELECT 1 AS x FROM jobs WHERE status = 'queued' LIMIT 1`).toArray();
      if (ready.length > 0) return now;
    }
    const after = options.after ?? Number.MIN_SAFE_INTEGER;
    const retention = Math.floor(retentionMs);
    const candidates: [string, number][] = [
      [`SELECT MIN(next_run_at) AS t FROM jobs WHERE status = 'waiting' AND next_run_at > ?`, after],
      [`SELECT MIN(deadline_at) AS t FROM jobs WHERE status = 'queued' AND deadline_at > ?`, after],
      [`SELECT MIN(deadline_at) AS t FROM jobs WHERE status = 'waiting' AND deadline_at > ?`, after],
      [
        `SELECT MIN(callback_next_at) AS t FROM jobs WHERE callback_status = 'pending' AND callback_next_at > ?`,
        after,
      ],
      [
        `SELECT MIN(finished_at) + ${retention} AS t FROM jobs WHERE finished_at IS NOT NULL AND finished_at > ?`,
        after - retention,
      ],
      [
        `SELECT MIN(created_at) + ${IDEMPOTENCY_TTL_MS} AS t FROM idempotency WHERE created_at > ?`,
        after - IDEMPOTENCY_TTL_MS,
      ],
    ];
    let next: number | null = null;
    for (const [query, bound] of candidates) {
      const t = this.sql.exec<{ t: number | null }>(query, bound).one().t;
      if (t !== null && (next === null || t < next)) next = t;
    }
    return next === null ? null : Math.max(next, now);
  }

  runningCount(): number {
    return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM jobs WHERE status = 'running'`).one().n;
  }
}

/** Finished jobs one purge deletes at most: a burst's worth is deleted over several. */
export const PURGE_BATCH = 500;

export function jobError(status: number | null, code: string, message: string, type?: string): JobError {
  const inferred =
    type ??
    (status === 429
      ? 'rate_limit_error'
      : status !== null && status >= 500
        ? 'server_error'
        : status === 408
          ? 'timeout_error'
          : 'invalid_request_error');
  return { message, type: inferred, code, status };
}

/** A job row with the request kept in `job_requests`, if any (older jobs keep theirs inline). */
function withStoredRequest(row: JobRow, stored: string | null): JobRow {
  return stored === null ? row : { ...row, request: stored };
}
