import type { Sql } from './sql.ts';

/**
 * What a replay must know before it is made: whether the job is failed and the key it runs as. Read
 * from the job's own row only, never its request (a stored row of up to 1 MiB), so the check that
 * the key can still run the job costs one indexed lookup.
 */
export type ReplayTarget = { found: false } | { found: true; failed: boolean; keyId: string };

export function replayTarget(sql: Sql, id: string): ReplayTarget {
  const row = sql
    .exec<{ status: string; key_id: string }>('SELECT status, key_id FROM jobs WHERE id = ?', id)
    .toArray()[0];
  return row ? { found: true, failed: row.status === 'failed', keyId: row.key_id } : { found: false };
}
