import { eq } from 'drizzle-orm';
import { PriorityClass } from '../../schemas/config.ts';
import { type ApiKeyRow, apiKeys } from '../../schemas/db/api-keys.ts';
import { EcoError } from '../../schemas/errors.ts';
import { numberVar } from '../env.ts';
import type { KeyLimits, Principal, Scope } from '../principal.ts';
import { SCOPES } from '../principal.ts';
import { db } from './db.ts';
import { sha256Hex } from './key-hash.ts';
import { TtlCache } from './ttl-cache.ts';

let cache: TtlCache<ApiKeyRow | null> | undefined;

/** The isolate's key cache; its TTL (ECO_KEY_CACHE_TTL_MS, default 5 s) bounds revocation lag. */
function keyCache(ttlVar: unknown): TtlCache<ApiKeyRow | null> {
  cache ??= new TtlCache<ApiKeyRow | null>(numberVar(ttlVar, 5000));
  return cache;
}

/** Forget cached lookups (after an admin change in this isolate, so it sees the change at once). */
export function invalidateKeyCache(hash?: string): void {
  if (hash === undefined) cache?.clear();
  else cache?.delete(hash);
}

export async function findKeyByHash(
  database: D1Database,
  hash: string,
  ttlVar: unknown,
): Promise<ApiKeyRow | null> {
  const keys = keyCache(ttlVar);
  const cached = keys.get(hash);
  if (cached !== undefined) return cached;
  const rows = await db(database).select().from(apiKeys).where(eq(apiKeys.keyHash, hash)).limit(1);
  const row = rows[0] ?? null;
  keys.set(hash, row);
  return row;
}

/** Resolve a presented API key to its principal, or explain precisely why it is refused (401). */
export async function authenticateApiKey(
  database: D1Database,
  key: string,
  ttlVar: unknown,
  now = Date.now(),
): Promise<Principal> {
  const row = await findKeyByHash(database, await sha256Hex(key), ttlVar);
  if (!row) throw new EcoError(401, 'invalid_api_key', 'The API key is not valid.');
  if (row.revokedAt !== null && row.revokedAt <= now) {
    throw new EcoError(401, 'api_key_revoked', 'The API key has been revoked.');
  }
  if (row.expiresAt !== null && row.expiresAt <= now) {
    throw new EcoError(401, 'api_key_expired', 'The API key has expired.');
  }
  if (row.graceUntil !== null && row.graceUntil <= now) {
    throw new EcoError(401, 'api_key_rotated', 'The API key was rotated and its grace period has ended.');
  }
  return principalFromRow(row);
}

export function principalFromRow(row: ApiKeyRow): Principal {
  const scopes = (Array.isArray(row.scopes) ? row.scopes : []).filter((s): s is Scope =>
    (SCOPES as readonly string[]).includes(s),
  );
  return {
    kind: 'api_key',
    keyId: row.id,
    tenant: row.tenant,
    scopes,
    limits: (row.limits ?? {}) as KeyLimits,
    allowedModels: Array.isArray(row.allowedModels) ? row.allowedModels : null,
    defaultPriority: PriorityClass.catch('normal').parse(row.defaultPriority),
    maxPriority: PriorityClass.catch('high').parse(row.maxPriority),
  };
}
