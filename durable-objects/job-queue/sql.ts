import { CAPACITY_WAIT_INDEX } from './capacity-wake.ts';
import { KEY_SLOT_WAIT_INDEX } from './key-slot-wake.ts';
import { UNFINISHED_STATUSES } from './queue-bound.ts';

/**
 * The slice of a Durable Object's `ctx.storage.sql` the job store uses. Kept this small so the same
 * store runs on Node's SQLite in the benchmark and in the object itself.
 */
export type SqlValue = string | number | null | ArrayBuffer;

export interface SqlCursor<T> {
  toArray(): T[];
  one(): T;
  readonly rowsWritten: number;
}

export interface Sql {
  exec<T extends Record<string, SqlValue>>(query: string, ...bindings: unknown[]): SqlCursor<T>;
}

/**
 * One table of jobs and one of idempotency keys. Every hot query has an index so enqueue, claim and
 * complete cost O(log n) whatever the queue depth:
 *   claim:    (status, priority_rank, seq) — the first ready row of the best class, FIFO within it
 *   promote:  (status, next_run_at)        — retries whose backoff has elapsed
 *   expire:   (status, deadline_at)        — unfinished jobs past their deadline
 *   list:     (created_at, id) and (status, created_at, id) — newest first with a cursor
 *   wake:     (model, priority_rank, seq) of capacity-waiting jobs only — see capacity-wake.ts;
 *             (key_id, priority_rank, seq) of jobs waiting for a key's slot only — key-slot-wake.ts
 * The number of unfinished jobs (the shard's bound) is one row of `job_totals`, kept by triggers in
 * the same statement as every insert, status change and delete, so a submit reads it in O(1).
 * Requests live in `job_requests` (one lookup by key per claim), deleted when their job ends other than
 * failed (a failed one may be replayed) and with their job.
 */
export const JOB_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant TEXT NOT NULL,
    key_id TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    priority_rank INTEGER NOT NULL,
    model TEXT NOT NULL,
    request TEXT NOT NULL,
    metadata TEXT,
    callback_url TEXT,
    base_url TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deadline_at INTEGER NOT NULL,
    next_run_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    limit_waits INTEGER NOT NULL DEFAULT 0,
    wait_kind TEXT,
    timeout_ms INTEGER,
    started_at INTEGER,
    finished_at INTEGER,
    result TEXT,
    usage TEXT,
    error TEXT,
    transitions TEXT NOT NULL,
    attempt_log TEXT NOT NULL DEFAULT '[]',
    callback_status TEXT,
    callback_attempts INTEGER NOT NULL DEFAULT 0,
    callback_next_at INTEGER,
    callback_delivered_at INTEGER,
    callback_error TEXT
  )`,
  'CREATE INDEX IF NOT EXISTS jobs_claim ON jobs (status, priority_rank, seq)',
  'CREATE INDEX IF NOT EXISTS jobs_next_run ON jobs (status, next_run_at)',
  'CREATE INDEX IF NOT EXISTS jobs_deadline ON jobs (status, deadline_at)',
  'CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at, id)',
  'CREATE INDEX IF NOT EXISTS jobs_status_created ON jobs (status, created_at, id)',
  'CREATE INDEX IF NOT EXISTS jobs_callback ON jobs (callback_status, callback_next_at)',
  'CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL',
  `CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT PRIMARY KEY,
    body_hash TEXT NOT NULL,
    job_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
  )`,
  'CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency (created_at)',
  // A job's request has a row of its own: the platform limits a row to 2 MB, and a request and a
  // result of up to 1 MiB each would not fit in one. (Jobs stored before it keep theirs in `jobs`.)
  'CREATE TABLE IF NOT EXISTS job_requests (id TEXT PRIMARY KEY, request TEXT NOT NULL)',
  `CREATE TRIGGER IF NOT EXISTS jobs_request_delete AFTER DELETE ON jobs
   BEGIN DELETE FROM job_requests WHERE id = OLD.id; END`,
  // Only a failed job can run again (replayed from the dead letter): the request (up to 1 MiB) of any
  // other finished job would only fill the shard's storage for as long as the job is kept.
  `CREATE TRIGGER IF NOT EXISTS jobs_request_done AFTER UPDATE OF status ON jobs
   WHEN NEW.status IN ('succeeded', 'cancelled', 'expired')
   BEGIN DELETE FROM job_requests WHERE id = NEW.id; END`,
  // Purging checks whether a live key still names a finished job.
  'CREATE INDEX IF NOT EXISTS idempotency_job ON idempotency (job_id)',
];

const UNFINISHED = `(${UNFINISHED_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/**
 * Triggers that keep `job_totals.unfinished` equal to the jobs whose status is unfinished. Created
 * after the row is seeded (see migrate), so an object that predates them starts from a true count.
 */
const TOTALS_TRIGGERS = [
  `CREATE TRIGGER IF NOT EXISTS jobs_unfinished_insert AFTER INSERT ON jobs
   WHEN NEW.status IN ${UNFINISHED}
   BEGIN UPDATE job_totals SET unfinished = unfinished + 1 WHERE id = 1; END`,
  `CREATE TRIGGER IF NOT EXISTS jobs_unfinished_update AFTER UPDATE OF status ON jobs
   WHEN (OLD.status IN ${UNFINISHED}) != (NEW.status IN ${UNFINISHED})
   BEGIN UPDATE job_totals SET unfinished = unfinished + CASE WHEN NEW.status IN ${UNFINISHED} THEN 1 ELSE -1 END
     WHERE id = 1; END`,
  `CREATE TRIGGER IF NOT EXISTS jobs_unfinished_delete AFTER DELETE ON jobs
   WHEN OLD.status IN ${UNFINISHED}
   BEGIN UPDATE job_totals SET unfinished = unfinished - 1 WHERE id = 1; END`,
];

/** Columns added after the first schema, with their definitions: objects created before gain them. */
const ADDED_COLUMNS: [string, string][] = [
  ['limit_waits', 'INTEGER NOT NULL DEFAULT 0'],
  // The job's timeout, so a replay gets a deadline of that length (NULL in rows stored before it).
  ['timeout_ms', 'INTEGER'],
  // What the current run-that-was-not-an-attempt waits for: 'limit', 'concurrency' or 'capacity' (NULL: 'limit').
  ['wait_kind', 'TEXT'],
];

export function migrate(sql: Sql): void {
  for (const statement of JOB_SCHEMA) sql.exec(statement);
  const columns = new Set(
    sql
      .exec<{ name: string }>("SELECT name FROM pragma_table_info('jobs')")
      .toArray()
      .map((c) => c.name),
  );
  for (const [name, definition] of ADDED_COLUMNS)
    if (!columns.has(name)) sql.exec(`ALTER TABLE jobs ADD COLUMN ${name} ${definition}`);
  // Read `wait_kind`, so they come after the columns.
  sql.exec(CAPACITY_WAIT_INDEX);
  sql.exec(KEY_SLOT_WAIT_INDEX);
  // Objects created before the bound count their unfinished jobs once (an index range of the claim
  // index), then the triggers keep the count.
  sql.exec(
    'CREATE TABLE IF NOT EXISTS job_totals (id INTEGER PRIMARY KEY CHECK (id = 1), unfinished INTEGER NOT NULL)',
  );
  if (sql.exec('SELECT 1 AS x FROM job_totals WHERE id = 1').toArray().length === 0) {
    sql.exec(
      `INSERT INTO job_totals (id, unfinished) SELECT 1, count(*) FROM jobs WHERE status IN ${UNFINISHED}`,
    );
  }
  for (const statement of TOTALS_TRIGGERS) sql.exec(statement);
}
