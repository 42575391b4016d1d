import { eq } from 'drizzle-orm';
import { type ApiKeyRow, apiKeys } from '../../schemas/db/api-keys.ts';
import { EcoError } from '../../schemas/errors.ts';
import { db } from '../data/db.ts';
import { storedKeyProblems } from '../data/stored-key.ts';
import type { Env } from '../env.ts';

/**
 * Why the key a job runs as could not run it now, or null. The same rules as a job's own calls
 * (internal-auth.ts: the key exists, is neither revoked nor expired, its row is valid; the inference
 * routes: it has the `inference` scope), so a replay is refused exactly when its run would fail.
 */
export function keyUnusable(row: ApiKeyRow | undefined, now: number): string | null {
  if (!row) return 'which no longer exists (it was deleted)';
  if (row.revokedAt !== null && row.revokedAt <= now)
    return `which was revoked at ${new Date(row.revokedAt).toISOString()}`;
  if (row.expiresAt !== null && row.expiresAt <= now)
    return `which expired at ${new Date(row.expiresAt).toISOString()}`;
  if (storedKeyProblems(row).length > 0)
    return 'whose stored record is invalid (see its problems under /admin/keys and correct them)';
  if (!row.scopes.includes('inference')) return "which lacks the 'inference' scope its calls need";
  return null;
}

/**
 * A replay runs the job as the key that submitted it. Refused up front (409 `job_key_unusable`) when
 * that key could not run it, instead of a 202 for a run that fails at once with `invalid_api_key`
 * and sends its callback again. Read from D1 itself, not the key cache: an admin who just revoked a
 * key sees that at once.
 */
export async function requireUsableJobKey(env: Env, jobId: string, keyId: string, now = Date.now()) {
  const rows = await db(env.DB).select().from(apiKeys).where(eq(apiKeys.id, keyId)).limit(1);
  const why = keyUnusable(rows[0], now);
  if (why === null) return;
  throw new EcoError(
    409,
    'job_key_unusable',
    `Job '${jobId}' runs as API key '${keyId}', ${why}: a replay would fail at once. Submit the request again with a usable key.`,
    { param: 'id' },
  );
}
