import type { JobType } from '../../schemas/jobs.ts';
import type { Sql } from './sql.ts';

/**
 * What a replay must know before it is made: whether the job is failed, the key it runs as and the
 * model and type its run asks for. Read from the job's own row only, never its request (a stored row
 * of up to 1 MiB), so the check that the job can still run costs one indexed lookup.
 */
export type ReplayTarget =
  | { found: false }
  | { found: true; failed: boolean; keyId: string; model: string; type: JobType };

export function replayTarget(sql: Sql, id: string): ReplayTarget {
  const row = sql
    .exec<{ status: string; key_id: string; model: string; type: JobType }>(
      'SELECT status, key_id, model, type FROM jobs WHERE id = ?',
      id,
    )
    .toArray()[0];
  if (!row) return { found: false };
  return {
    found: true,
    failed: row.status === 'failed',
    keyId: row.key_id,
    model: row.model,
    type: row.type,
  };
}
