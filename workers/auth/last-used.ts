import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { apiKeys } from '../../schemas/db/api-keys.ts';
import { db } from '../data/db.ts';

const INTERVAL_MS = 60_000;
const written = new Map<string, number>();

/**
 * Record that a key was used, at most once per minute per key per isolate (and, through the
 * conditional UPDATE, at most about once per minute across isolates). Runs in waitUntil.
 */
export function touchLastUsed(
  database: D1Database,
  keyId: string,
  waitUntil: (p: Promise<unknown>) => void,
  now = Date.now(),
): void {
  const last = written.get(keyId);
  if (last !== undefined && now - last < INTERVAL_MS) return;
  if (written.size > 10_000) written.clear();
  written.set(keyId, now);
  waitUntil(
    db(database)
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(
        and(eq(apiKeys.id, keyId), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - INTERVAL_MS))),
      )
      .run()
      .catch((err: unknown) => console.warn('last_used_at update failed', err)),
  );
}
