import { env } from 'cloudflare:workers';

/** The audit log's actions on `target`, oldest first. */
export async function auditActions(target: string): Promise<string[]> {
  const rows = await env.DB.prepare(
    'SELECT action FROM audit_log WHERE target = ? ORDER BY created_at, rowid',
  )
    .bind(target)
    .all<{ action: string }>();
  return rows.results.map((r) => r.action);
}
