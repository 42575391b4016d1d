import type { AuditEntry } from '../auth/audit.ts';

/**
 * The audit row of a conditional write, to follow that write in the same D1 batch: it is inserted
 * only when the statement just before it changed a row (`changes()`), so a write that lost a race
 * leaves no record of a change that never happened.
 */
export function auditIfChanged(
  database: D1Database,
  entry: AuditEntry,
  now = Date.now(),
  id: string = crypto.randomUUID(),
): D1PreparedStatement {
  return database
    .prepare(
      'INSERT INTO audit_log (id, actor_key_id, action, target, detail, created_at) SELECT ?, ?, ?, ?, ?, ? WHERE changes() > 0',
    )
    .bind(id, entry.actorKeyId, entry.action, entry.target, JSON.stringify(entry.detail ?? {}), now);
}
