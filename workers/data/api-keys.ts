import { and, desc, eq, like } from 'drizzle-orm';
import type { PriorityClass } from '../../schemas/config.ts';
import { apiKeyRetiredHashes } from '../../schemas/db/api-key-retired-hashes.ts';
import { type ApiKeyRow, apiKeys } from '../../schemas/db/api-keys.ts';
import { EcoError } from '../../schemas/errors.ts';
import { settingFrom } from '../config/read-settings.ts';
import type { KeyLimits, Principal, Scope } from '../principal.ts';
import { db } from './db.ts';
import { sha256Hex } from './key-hash.ts';
import { storedKeyProblems } from './stored-key.ts';
import { type Background, TtlCache } from './ttl-cache.ts';

let cache: TtlCache<ApiKeyRow | null> | undefined;

/**
 * The isolate's key cache, keyed by secret hash and by `id:<key id>`; its TTL (ECO_KEY_CACHE_TTL_MS,
 * default 5 s) bounds how long another isolate's change (revocation, expiry, rotation) can go unseen.
 */
function keyCache(ttlVar: unknown): TtlCache<ApiKeyRow | null> {
  cache ??= new TtlCache<ApiKeyRow | null>(settingFrom('ECO_KEY_CACHE_TTL_MS', ttlVar));
  return cache;
}

/** Forget cached lookups (after an admin change in this isolate, so it sees the change at once). */
export function invalidateKeyCache(hash?: string): void {
  if (hash === undefined) cache?.clear();
  else cache?.delete(hash);
}

/**
 * The key a secret belongs to. A rotated key's previous secret resolves to the key with
 * `graceUntil` set to when that secret stops working.
 */
export function findKeyByHash(
  database: D1Database,
  hash: string,
  ttlVar: unknown,
  background?: Background,
): Promise<ApiKeyRow | null> {
  return keyCache(ttlVar).getOrLoad(hash, () => loadKeyByHash(database, hash), background);
}

async function loadKeyByHash(database: D1Database, hash: string): Promise<ApiKeyRow | null> {
  const handle = db(database);
  const rows = await handle.select().from(apiKeys).where(eq(apiKeys.keyHash, hash)).limit(1);
  if (rows[0]) return rows[0];
  const retired = await handle
    .select({ key: apiKeys, graceUntil: apiKeyRetiredHashes.graceUntil })
    .from(apiKeyRetiredHashes)
    .innerJoin(apiKeys, eq(apiKeys.id, apiKeyRetiredHashes.keyId))
    .where(eq(apiKeyRetiredHashes.keyHash, hash))
    .limit(1);
  const hit = retired[0];
  return hit ? { ...hit.key, graceUntil: hit.graceUntil } : null;
}

/** The key with this id, through the same cache and TTL (JWTs exchanged from a key, internal calls). */
export function findKeyById(
  database: D1Database,
  id: string,
  ttlVar: unknown,
  background?: Background,
): Promise<ApiKeyRow | null> {
  return keyCache(ttlVar).getOrLoad(`id:${id}`, () => loadKeyById(database, id), background);
}

/**
 * The key with this id as D1 holds it now, past the cache, which it then refreshes: for a credential
 * the cached row cannot place (another isolate may have rotated the key since it was cached).
 */
export function reloadKeyById(database: D1Database, id: string, ttlVar: unknown): Promise<ApiKeyRow | null> {
  return keyCache(ttlVar).reload(`id:${id}`, () => loadKeyById(database, id));
}

async function loadKeyById(database: D1Database, id: string): Promise<ApiKeyRow | null> {
  return (await db(database).select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1))[0] ?? null;
}

/**
 * A rotated-out secret of key `id` named by the start of its hash (`tag`, see access-token.ts), as the
 * key row with `graceUntil` set to when that secret stopped or stops working; null when the key holds
 * no such secret (never had it, or was deleted). Cached like the other lookups.
 */
export function findRetiredSecret(
  database: D1Database,
  id: string,
  tag: string,
  ttlVar: unknown,
  background?: Background,
): Promise<ApiKeyRow | null> {
  return keyCache(ttlVar).getOrLoad(
    `retired:${id}:${tag}`,
    async () => {
      const rows = await db(database)
        .select({ key: apiKeys, graceUntil: apiKeyRetiredHashes.graceUntil })
        .from(apiKeyRetiredHashes)
        .innerJoin(apiKeys, eq(apiKeys.id, apiKeyRetiredHashes.keyId))
        .where(and(eq(apiKeyRetiredHashes.keyId, id), like(apiKeyRetiredHashes.keyHash, `${tag}%`)))
        .orderBy(desc(apiKeyRetiredHashes.graceUntil))
        .limit(1);
      const hit = rows[0];
      return hit ? { ...hit.key, graceUntil: hit.graceUntil } : null;
    },
    background,
  );
}

/** Why a key row may not be used now, or null when it may. */
export function keyRefusal(row: ApiKeyRow, now: number): EcoError | null {
  if (row.revokedAt !== null && row.revokedAt <= now) {
    return new EcoError(401, 'api_key_revoked', 'The API key has been revoked.');
  }
  if (row.expiresAt !== null && row.expiresAt <= now) {
    return new EcoError(401, 'api_key_expired', 'The API key has expired.');
  }
  if (row.graceUntil !== null && row.graceUntil <= now) {
    return new EcoError(401, 'api_key_rotated', 'The API key was rotated and its grace period has ended.');
  }
  return null;
}

/** Hashes of keys presented recently: a busy key is hashed once per isolate, not once per request. */
const presentedHashes = new Map<string, string>();
const MAX_PRESENTED_HASHES = 1024;
const MAX_MEMO_KEY_LENGTH = 256;

async function presentedKeyHash(key: string): Promise<string> {
  const known = presentedHashes.get(key);
  if (known !== undefined) return known;
  const hash = await sha256Hex(key);
  // Real keys are short; a long credential is hashed each time rather than kept (memory stays bounded).
  if (key.length > MAX_MEMO_KEY_LENGTH) return hash;
  // Bounded: a flood of made-up keys empties the memo instead of growing it.
  if (presentedHashes.size >= MAX_PRESENTED_HASHES) presentedHashes.clear();
  presentedHashes.set(key, hash);
  return hash;
}

/**
 * Keys that authenticated in this isolate, with when they last did. Only successes are written, so a
 * flood of made-up keys cannot push real ones out; the oldest goes first when the table is full.
 */
const recentlyValid = new Map<string, number>();
const MAX_RECENTLY_VALID = 10_000;
const RECENTLY_VALID_MS = 3_600_000;

/** Refreshed at most once a second per key: a busy key costs a map lookup, not a reinsertion. */
function rememberValid(key: string, now: number): void {
  const seen = recentlyValid.get(key);
  if ((seen !== undefined && now - seen <= 1000) || key.length > MAX_MEMO_KEY_LENGTH) return;
  recentlyValid.delete(key);
  if (recentlyValid.size >= MAX_RECENTLY_VALID) {
    const oldest = recentlyValid.keys().next().value;
    if (oldest !== undefined) recentlyValid.delete(oldest);
  }
  recentlyValid.set(key, now);
}

/**
 * The key authenticated in this isolate within the last hour: worth a lookup even from an address that
 * is throttled for failures (the lookup still refuses it if it was revoked since).
 */
export function knownApiKey(key: string, now = Date.now()): boolean {
  const seen = recentlyValid.get(key);
  return seen !== undefined && now - seen < RECENTLY_VALID_MS;
}

/** Resolve a presented API key to its principal, or explain precisely why it is refused (401). */
export async function authenticateApiKey(
  database: D1Database,
  key: string,
  ttlVar: unknown,
  background?: Background,
): Promise<Principal> {
  const row = await findKeyByHash(database, await presentedKeyHash(key), ttlVar, background);
  const now = Date.now();
  if (!row) throw new EcoError(401, 'invalid_api_key', 'The API key is not valid.');
  const refusal = keyRefusal(row, now);
  if (refusal) throw refusal;
  const principal = principalFromRow(row);
  rememberValid(key, now);
  return principal;
}

/** The key's principal; a row that does not hold what the admin API writes is refused (500). */
export function principalFromRow(row: ApiKeyRow): Principal {
  if (storedKeyProblems(row).length > 0) {
    throw new EcoError(
      500,
      'api_key_record_invalid',
      "The API key's stored record is invalid; an administrator can see its problems under /admin/keys and correct them.",
    );
  }
  return {
    kind: 'api_key',
    keyId: row.id,
    tenant: row.tenant,
    scopes: row.scopes as Scope[],
    limits: row.limits as KeyLimits,
    allowedModels: row.allowedModels,
    defaultPriority: row.defaultPriority as PriorityClass,
    maxPriority: row.maxPriority as PriorityClass,
  };
}
