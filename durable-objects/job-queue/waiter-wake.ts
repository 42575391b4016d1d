import type { Sql } from './sql.ts';

/**
 * Early wake-ups shared by the kinds of wait a run's end can cut short (pool capacity, the key's
 * concurrency slots). Each kind has a partial index on (`column`, priority_rank, seq) over its waiters
 * only, whose terms (`waiting`) its queries repeat so SQLite uses it.
 */
export interface WaiterIndex {
  /** The partial index's WHERE terms. */
  waiting: string;
  /** What the waiters are grouped by: the model, or the key. */
  column: 'model' | 'key_id';
}

/** One group's waiters in claim order: a seek of the partial index. */
export const waitersSql = ({ waiting, column }: WaiterIndex) =>
  `SELECT id, priority_rank, seq FROM jobs WHERE ${waiting} AND ${column} = ? ORDER BY priority_rank, seq LIMIT ?`;

export const waiterIndexSql = (name: string, { waiting, column }: WaiterIndex) =>
  `CREATE INDEX IF NOT EXISTS ${name} ON jobs (${column}, priority_rank, seq) WHERE ${waiting}`;

type Waiter = { id: string; priority_rank: number; seq: number };

/**
 * Make up to `count` waiters of `values` claimable now (`now`: the store's clock), best class first
 * and FIFO within it, as the shard claims. Each value's best are read by an index seek of their own
 * (an IN list would have SQLite scan every waiting job), then merged. Their wait is not undone: they
 * keep their wait count and transition, and a run refused again waits again, with the next, longer
 * jitter. Answers the ids woken, in claim order.
 */
export function wakeWaiters(
  sql: Sql,
  now: number,
  index: WaiterIndex,
  values: readonly string[],
  count: number,
): string[] {
  if (count <= 0) return [];
  const query = waitersSql(index);
  const best = [...new Set(values)]
    .flatMap((value) => sql.exec<Waiter>(query, value, count).toArray())
    .sort((a, b) => a.priority_rank - b.priority_rank || a.seq - b.seq)
    .slice(0, count);
  return best
    .filter(
      (waiter) =>
        sql.exec(
          `UPDATE jobs SET status = 'queued', next_run_at = ? WHERE id = ? AND ${index.waiting}`,
          now,
          waiter.id,
        ).rowsWritten > 0,
    )
    .map((waiter) => waiter.id);
}
