import { and, eq } from 'drizzle-orm';
import { apiKeyRetiredHashes } from '../../schemas/db/api-key-retired-hashes.ts';
import { apiKeys } from '../../schemas/db/api-keys.ts';
import { auditLog } from '../../schemas/db/audit.ts';
import { EcoError } from '../../schemas/errors.ts';
import { invalidateKeyCache } from '../data/api-keys.ts';
import { db } from '../data/db.ts';
import { displayPrefix, KEY_PREFIX, sha256Hex } from '../data/key-hash.ts';
import type { Env } from '../env.ts';
import { auditInsert } from './audit.ts';

export const BOOTSTRAP_KEY_ID = 'key_bootstrap_admin';

/** Whether a configured value has the shape of a key the gateway makes an admin key from. */
export function usableBootstrapKey(secret: string): boolean {
  return secret.startsWith(KEY_PREFIX) && secret.length >= 40;
}

export const BOOTSTRAP_KEY_UNUSABLE = `ECO_BOOTSTRAP_ADMIN_KEY must start with ${KEY_PREFIX} and be at least 40 characters (npm run keys:bootstrap makes one); no admin key is made from it until it is corrected.`;

/**
 * The first production admin key comes from the ECO_BOOTSTRAP_ADMIN_KEY secret: when it is presented
 * and no key row has its hash yet, an admin key with that hash is inserted. A revoked bootstrap key
 * stays revoked (its row exists), and a deleted one stays deleted (its deletion is in the audit log);
 * remove the secret once real admin keys exist. Only the secret itself ever reaches D1 here.
 */
export async function ensureBootstrapKey(env: Env, presented: string, hash: string): Promise<void> {
  const secret = env.ECO_BOOTSTRAP_ADMIN_KEY;
  if (typeof secret !== 'string' || secret === '') return;
  if (presented.length !== secret.length || hash !== (await sha256Hex(secret))) return;
  // Only whoever presents the configured value itself learns here that the gateway will not use it.
  if (!usableBootstrapKey(secret)) throw misconfigured(BOOTSTRAP_KEY_UNUSABLE);
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
  } else if (await madeFromAnotherValue(env.DB, hash)) {
    throw misconfigured(
      `ECO_BOOTSTRAP_ADMIN_KEY was changed after ${BOOTSTRAP_KEY_ID} was made from an earlier value; the stored key keeps that value. Use it (or another admin key) to rotate ${BOOTSTRAP_KEY_ID}, then delete the secret.`,
    );
  }
  invalidateKeyCache(hash);
}

/**
 * The bootstrap row exists and neither its secret nor one it was rotated from is this one: it was made
 * from an earlier value. (Another request inserting it first, or a stale cached miss, is not that.)
 */
async function madeFromAnotherValue(database: D1Database, hash: string): Promise<boolean> {
  const [row] = await db(database)
    .select({ keyHash: apiKeys.keyHash })
    .from(apiKeys)
    .where(eq(apiKeys.id, BOOTSTRAP_KEY_ID))
    .limit(1);
  if (!row || row.keyHash === hash) return false;
  const [retired] = await db(database)
    .select({ keyHash: apiKeyRetiredHashes.keyHash })
    .from(apiKeyRetiredHashes)
    .where(eq(apiKeyRetiredHashes.keyHash, hash))
    .limit(1);
  return retired === undefined;
}

const misconfigured = (message: string) => new EcoError(500, 'bootstrap_misconfigured', message);
