import { and, eq } from 'drizzle-orm';
import { apiKeys } from '../../schemas/db/api-keys.ts';
import { auditLog } from '../../schemas/db/audit.ts';
import { invalidateKeyCache } from '../data/api-keys.ts';
import { db } from '../data/db.ts';
import { displayPrefix, KEY_PREFIX, sha256Hex } from '../data/key-hash.ts';
import type { Env } from '../env.ts';
import { auditInsert } from './audit.ts';

export const BOOTSTRAP_KEY_ID = 'key_bootstrap_admin';

/**
 * The first production admin key comes from the ECO_BOOTSTRAP_ADMIN_KEY secret: when it is presented
 * and no key row has its hash yet, an admin key with that hash is inserted. A revoked bootstrap key
 * stays revoked (its row exists), and a deleted one stays deleted (its deletion is in the audit log);
 * remove the secret once real admin keys exist. Only the secret itself ever reaches D1 here.
 */
export async function ensureBootstrapKey(env: Env, presented: string, hash: string): Promise<void> {
  const secret = env.ECO_BOOTSTRAP_ADMIN_KEY;
  if (typeof secret !== 'string' || !secret.startsWith(KEY_PREFIX) || secret.length < 40) return;
  if (presented.length !== secret.length || hash !== (await sha256Hex(secret))) return;
  const now = Date.now();
  const handle = db(env.DB);
  const deleted = await handle
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(and(eq(auditLog.action, 'api_key.delete'), eq(auditLog.target, BOOTSTRAP_KEY_ID)))
    .limit(1);
  if (deleted.length > 0) return;
  const [inserted] = await handle.batch([
    handle
      .insert(apiKeys)
      .values({
        id: BOOTSTRAP_KEY_ID,
        name: 'bootstrap admin',
        tenant: 'admin',
        prefix: displayPrefix(secret),
        keyHash: hash,
        scopes: ['admin'],
        limits: {},
        allowedModels: null,
        defaultPriority: 'normal',
        maxPriority: 'critical',
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: apiKeys.id }),
  ]);
  if (inserted.length > 0) {
    await auditInsert(env.DB, {
      actorKeyId: null,
      action: 'api_key.bootstrap',
      target: BOOTSTRAP_KEY_ID,
    });
  }
  invalidateKeyCache(hash);
}
