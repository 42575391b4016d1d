import type { Sql } from './sql.ts';
import { type WaiterIndex, waiterIndexSql, waitersSql, wakeWaiters } from './waiter-wake.ts';

/**
 * Early wake-ups for jobs their key's `max_concurrent` refused. Such a job waits the gateway's
 * Retry-After (about a second) plus jitter, but the slot it needs is most often held by another job of
 * the same key in the same shard: when that run ends, the slot is free. Each run that ended wakes at
 * most one waiter of its key, in the shard's claim order, so waiters are released one by one as slots
 * free up. Rate and budget waits are left to their Retry-After: a finished run refills neither a
 * minute bucket nor a budget.
 */
const KEY_SLOT_WAITERS: WaiterIndex = {
  waiting: `status = 'waiting' AND wait_kind = 'concurrency' AND limit_waits > 0`,
  column: 'key_id',
};

/** Created after the `wait_kind` column exists (see migrate). */
export const KEY_SLOT_WAIT_INDEX = waiterIndexSql('jobs_key_slot_wait', KEY_SLOT_WAITERS);

/** One key's concurrency waiters in claim order: a seek of the partial index (key_id, priority_rank, seq). */
export const KEY_WAITERS_SQL = waitersSql(KEY_SLOT_WAITERS);

/** Make up to `count` of `keyId`'s concurrency waiters claimable now, in claim order (see wakeWaiters). */
export function wakeKeySlotWaiters(sql: Sql, now: number, keyId: string, count: number): string[] {
  return wakeWaiters(sql, now, KEY_SLOT_WAITERS, [keyId], count);
}
