import { settingFrom } from '../config/read-settings.ts';

const CHUNK = 5000;
const MAX_CHUNKS = 40;

/**
 * Delete usage rows older than ECO_USAGE_RETENTION_DAYS (default 90), in bounded chunks. While the
 * var is unusable nothing is deleted (see workers/config/settings.ts).
 */
export async function purgeExpiredUsage(
  database: D1Database,
  retentionDaysVar: unknown,
  now = Date.now(),
): Promise<number> {
  const days = settingFrom('ECO_USAGE_RETENTION_DAYS', retentionDaysVar);
  if (days <= 0) return 0;
  const cutoff = now - days * 86_400_000;
  let deleted = 0;
  for (let i = 0; i < MAX_CHUNKS; i++) {
    const result = await database
      .prepare(
        'DELETE FROM usage_events WHERE id IN (SELECT id FROM usage_events WHERE created_at < ? LIMIT ?)',
      )
      .bind(cutoff, CHUNK)
      .run();
    const changes = result.meta.changes ?? 0;
    deleted += changes;
    if (changes < CHUNK) break;
  }
  return deleted;
}
