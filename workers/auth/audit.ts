import { auditLog } from '../../schemas/db/audit.ts';
import { db } from '../data/db.ts';

export interface AuditEntry {
  actorKeyId: string | null;
  /** `<object>.<verb>`, e.g. `api_key.rotate`. */
  action: string;
  target: string;
  /** What changed; never a secret. */
  detail?: Record<string, unknown>;
}

/** The audit row for an admin change; returned as a statement so it commits in the same D1 batch. */
export function auditInsert(database: D1Database, entry: AuditEntry, now = Date.now()) {
  return db(database)
    .insert(auditLog)
    .values({
      id: crypto.randomUUID(),
      actorKeyId: entry.actorKeyId,
      action: entry.action,
      target: entry.target,
      detail: entry.detail ?? {},
      createdAt: now,
    });
}
