import { and, asc, eq, gt, inArray, isNull } from 'drizzle-orm';
import type { PriorityClass } from '../../schemas/config.ts';
import { apiKeyRetiredHashes } from '../../schemas/db/api-key-retired-hashes.ts';
import { type ApiKeyRow, apiKeys } from '../../schemas/db/api-keys.ts';
import { EcoError } from '../../schemas/errors.ts';
import { auditIfChanged } from '../admin/audit-if-changed.ts';
import { botStrandedSql, botsBillingTo, botsStrandedBy } from '../admin/bot-store.ts';
import { writeConflict } from '../admin/merge-patch.ts';
import { invalidateKeyCache } from '../data/api-keys.ts';
import { parameterSlices } from '../data/bound-parameters.ts';
import { db } from '../data/db.ts';
import { displayPrefix, generateApiKey, sha256Hex } from '../data/key-hash.ts';
import { storedKeyProblems } from '../data/stored-key.ts';
import type { KeyLimits } from '../principal.ts';
import { auditInsert } from './audit.ts';
import type { ApiKeyObject, CreateKeyBody, UpdateKeyBody } from './key-api.ts';
import { limitsFromWire, limitsToWire } from './key-limits.ts';

const RANK: Record<PriorityClass, number> = { critical: 0, high: 1, normal: 2, low: 3 };
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function newKeyId(): string {
  return `key_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

function checkPriorities(defaultPriority: PriorityClass, maxPriority: PriorityClass): void {
  if (RANK[defaultPriority] < RANK[maxPriority]) {
    throw new EcoError(400, 'invalid_request', 'default_priority may not be above max_priority.', {
      param: 'default_priority',
    });
  }
}

/**
 * An expiry must lie ahead: one already past would make (or leave) a key that is refused on its first
 * use while the API answered success. Stopping a key now is what revoke is for.
 */
function futureExpiry(at: number, now: number): number {
  if (at <= now) {
    throw new EcoError(
      400,
      'invalid_request',
      `expires_at (${new Date(at).toISOString()}) is in the past; give a later time, null for no expiry, or revoke the key to stop it now.`,
      { param: 'expires_at' },
    );
  }
  return at;
}

export function toKeyObject(
  row: ApiKeyRow,
  previous: { prefix: string; graceUntil: number }[],
  now = Date.now(),
): ApiKeyObject {
  const revoked = row.revokedAt !== null && row.revokedAt <= now;
  const expired = row.expiresAt !== null && row.expiresAt <= now;
  const problems = storedKeyProblems(row);
  return {
    object: 'api_key',
    id: row.id,
    name: row.name,
    tenant: row.tenant,
    prefix: row.prefix,
    scopes: storedScopes(row),
    limits: limitsToWire(row.limits as KeyLimits),
    allowed_models: storedAllowedModels(row),
    default_priority: row.defaultPriority,
    max_priority: row.maxPriority,
    created_at: iso(row.createdAt)!,
    expires_at: iso(row.expiresAt),
    last_used_at: iso(row.lastUsedAt),
    revoked_at: iso(row.revokedAt),
    status: revoked ? 'revoked' : expired ? 'expired' : 'active',
    previous_secrets: previous
      .filter((p) => p.graceUntil > now)
      .map((p) => ({ prefix: p.prefix, valid_until: iso(p.graceUntil)! })),
    ...(problems.length > 0 ? { problems } : {}),
  };
}

export interface KeyStore {
  database: D1Database;
  actorKeyId: string | null;
  now?: () => number;
}

async function previousSecrets(database: D1Database, ids: string[]) {
  if (ids.length === 0) return new Map<string, { prefix: string; graceUntil: number }[]>();
  const slices = await Promise.all(
    parameterSlices(ids).map((slice) =>
      db(database).select().from(apiKeyRetiredHashes).where(inArray(apiKeyRetiredHashes.keyId, slice)),
    ),
  );
  const rows = slices.flat();
  const byKey = new Map<string, { prefix: string; graceUntil: number }[]>();
  for (const r of rows) {
    const list = byKey.get(r.keyId) ?? [];
    list.push({ prefix: r.prefix, graceUntil: r.graceUntil });
    byKey.set(r.keyId, list);
  }
  return byKey;
}

async function loadRow(database: D1Database, id: string): Promise<ApiKeyRow> {
  const rows = await db(database).select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  const row = rows[0];
  if (!row) throw new EcoError(404, 'api_key_not_found', `No API key '${id}'.`);
  return row;
}

export async function getKey(store: KeyStore, id: string): Promise<ApiKeyObject> {
  const row = await loadRow(store.database, id);
  const previous = await previousSecrets(store.database, [id]);
  return toKeyObject(row, previous.get(id) ?? [], store.now?.());
}

export async function listKeys(
  store: KeyStore,
  query: { tenant?: string; includeRevoked: boolean; limit: number; cursor?: string },
): Promise<{ data: ApiKeyObject[]; nextCursor: string | null }> {
  const conditions = [];
  if (query.tenant !== undefined) conditions.push(eq(apiKeys.tenant, query.tenant));
  if (!query.includeRevoked) conditions.push(isNull(apiKeys.revokedAt));
  if (query.cursor !== undefined) conditions.push(gt(apiKeys.id, query.cursor));
  const rows = await db(store.database)
    .select()
    .from(apiKeys)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(apiKeys.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const previous = await previousSecrets(
    store.database,
    page.map((r) => r.id),
  );
  return {
    data: page.map((r) => toKeyObject(r, previous.get(r.id) ?? [], store.now?.())),
    nextCursor: rows.length > query.limit ? page.at(-1)!.id : null,
  };
}

export async function createKey(
  store: KeyStore,
  body: CreateKeyBody,
): Promise<{ key: ApiKeyObject; secret: string }> {
  checkPriorities(body.default_priority, body.max_priority);
  if (body.expires_at != null && body.expires_in_seconds !== undefined) {
    throw new EcoError(400, 'invalid_request', 'Give expires_at or expires_in_seconds, not both.', {
      param: 'expires_in_seconds',
    });
  }
  const now = store.now?.() ?? Date.now();
  const expiresAt =
    body.expires_in_seconds !== undefined
      ? now + Math.round(body.expires_in_seconds * 1000)
      : body.expires_at
        ? futureExpiry(Date.parse(body.expires_at), now)
        : null;
  const secret = generateApiKey();
  const row: ApiKeyRow = {
    id: newKeyId(),
    name: body.name,
    tenant: body.tenant,
    prefix: displayPrefix(secret),
    keyHash: await sha256Hex(secret),
    scopes: body.scopes,
    limits: limitsFromWire(body.limits) as Record<string, number>,
    allowedModels: body.allowed_models,
    defaultPriority: body.default_priority,
    maxPriority: body.max_priority,
    createdAt: now,
    expiresAt,
    lastUsedAt: null,
    revokedAt: null,
    graceUntil: null,
    replacedBy: null,
  };
  const handle = db(store.database);
  const { keyHash: _hash, ...audited } = row;
  await handle.batch([
    handle.insert(apiKeys).values(row),
    auditInsert(
      store.database,
      { actorKeyId: store.actorKeyId, action: 'api_key.create', target: row.id, detail: audited },
      now,
    ),
  ]);
  return { key: toKeyObject(row, [], now), secret };
}

/**
 * A query built with drizzle as a plain D1 statement, to share a batch with `auditIfChanged`; each guard
 * (numbered parameters from ?1) is added to its WHERE clause.
 */
function prepared(
  database: D1Database,
  query: { toSQL(): { sql: string; params: unknown[] } },
  guards: { sql: string; params: unknown[] }[] = [],
) {
  let { sql, params } = query.toSQL();
  for (const guard of guards) {
    const at = params.length;
    sql += ` and (${guard.sql.replace(/\?(\d+)/g, (_, n: string) => `?${at + Number(n)}`)})`;
    params = [...params, ...guard.params];
  }
  return database.prepare(sql).bind(...params);
}

/** A row's scopes and allowed models as the API shows them (a stored value that is not a list reads as none). */
function storedScopes(row: Pick<ApiKeyRow, 'scopes'>): string[] {
  return Array.isArray(row.scopes) ? row.scopes : [];
}

function storedAllowedModels(row: Pick<ApiKeyRow, 'allowedModels'>): string[] | null {
  return Array.isArray(row.allowedModels) ? row.allowedModels : null;
}

export async function updateKey(store: KeyStore, id: string, body: UpdateKeyBody): Promise<ApiKeyObject> {
  const row = await loadRow(store.database, id);
  const now = store.now?.() ?? Date.now();
  const changes: Partial<ApiKeyRow> = {};
  if (body.name !== undefined) changes.name = body.name;
  if (body.scopes !== undefined) changes.scopes = body.scopes;
  if (body.limits !== undefined) changes.limits = limitsFromWire(body.limits) as Record<string, number>;
  if (body.allowed_models !== undefined) changes.allowedModels = body.allowed_models;
  if (body.default_priority !== undefined) changes.defaultPriority = body.default_priority;
  if (body.max_priority !== undefined) changes.maxPriority = body.max_priority;
  if (body.expires_at !== undefined)
    changes.expiresAt = body.expires_at === null ? null : futureExpiry(Date.parse(body.expires_at), now);
  checkPriorities(
    (changes.defaultPriority ?? row.defaultPriority) as PriorityClass,
    (changes.maxPriority ?? row.maxPriority) as PriorityClass,
  );
  if (Object.keys(changes).length === 0) return getKey(store, id);
  const next = { ...row, ...changes };
  const servesBots = changes.scopes !== undefined || changes.allowedModels !== undefined;
  const setsPriority = changes.defaultPriority !== undefined || changes.maxPriority !== undefined;
  if (servesBots)
    await refuseIfBotsStranded(store.database, id, storedScopes(next), storedAllowedModels(next));
  const handle = db(store.database);
  const update = handle.update(apiKeys).set(changes).where(eq(apiKeys.id, id));
  const guards: { sql: string; params: unknown[] }[] = [];
  // A bot written since the check above must not be stranded either: the update checks again.
  if (servesBots)
    guards.push({
      sql: NO_BOT_STRANDED,
      params: [JSON.stringify(storedScopes(next)), JSON.stringify(storedAllowedModels(next))],
    });
  // The other priority may have changed since the check above: the pair is checked again as written.
  if (setsPriority)
    guards.push({
      sql: PRIORITIES_IN_ORDER,
      params: [changes.defaultPriority ?? null, changes.maxPriority ?? null],
    });
  const [updated] = await store.database.batch([
    prepared(store.database, update, guards),
    // Audited only if the key was still there to change (another request may have deleted it).
    auditIfChanged(
      store.database,
      { actorKeyId: store.actorKeyId, action: 'api_key.update', target: id, detail: { changes } },
      now,
    ),
  ]);
  invalidateKeyCache();
  if (!updated?.meta.changes) {
    const current = await loadRow(store.database, id); // deleted meanwhile: 404
    if (servesBots)
      await refuseIfBotsStranded(store.database, id, storedScopes(next), storedAllowedModels(next));
    if (setsPriority)
      checkPriorities(
        (changes.defaultPriority ?? current.defaultPriority) as PriorityClass,
        (changes.maxPriority ?? current.maxPriority) as PriorityClass,
      );
    throw writeConflict('API key', id);
  }
  return getKey(store, id);
}

/**
 * SQL guard for a key update that sets scopes ?1 and allowed models ?2 (JSON): no bot billing to the
 * key is left unable to answer, as botsStrandedBy decides.
 */
const NO_BOT_STRANDED = `NOT EXISTS (
  SELECT 1 FROM bots WHERE bots.key_id = "api_keys"."id" AND ${botStrandedSql('?1', '?2')}
)`;

const rankSql = (value: string) =>
  `(CASE ${value} ${Object.entries(RANK)
    .map(([name, rank]) => `WHEN '${name}' THEN ${rank}`)
    .join(' ')} END)`;

/**
 * SQL guard for a key update that sets default priority ?1 and/or max priority ?2 (null: left as
 * stored): the pair as written passes checkPriorities (a value it does not know, as there, is not refused).
 */
const PRIORITIES_IN_ORDER = `NOT coalesce(${rankSql('coalesce(?1, "api_keys"."default_priority")')} < ${rankSql(
  'coalesce(?2, "api_keys"."max_priority")',
)}, 0)`;

/** New secret for the same key id; the old secret works until `now + graceMs`. */
export async function rotateKey(
  store: KeyStore,
  id: string,
  graceMs: number,
): Promise<{ key: ApiKeyObject; secret: string }> {
  const row = await loadRow(store.database, id);
  const now = store.now?.() ?? Date.now();
  if (row.revokedAt !== null && row.revokedAt <= now) {
    throw revokedRotation();
  }
  const secret = generateApiKey();
  const graceUntil = now + Math.max(0, Math.round(graceMs));
  const handle = db(store.database);
  const database = store.database;
  // Each statement holds only while the key is still there, unrevoked, with the secret read above: a
  // delete, revoke or other rotation that commits first leaves this batch changing nothing.
  const [, updated] = await database.batch([
    database
      .prepare(
        `INSERT INTO api_key_retired_hashes (key_hash, key_id, prefix, grace_until, retired_at)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (
           SELECT 1 FROM api_keys WHERE id = ?2 AND key_hash = ?1 AND revoked_at IS NULL
         )`,
      )
      .bind(row.keyHash, id, row.prefix, graceUntil, now),
    prepared(
      database,
      handle
        .update(apiKeys)
        .set({ keyHash: await sha256Hex(secret), prefix: displayPrefix(secret) })
        .where(and(eq(apiKeys.id, id), eq(apiKeys.keyHash, row.keyHash), isNull(apiKeys.revokedAt))),
    ),
    auditIfChanged(
      database,
      {
        actorKeyId: store.actorKeyId,
        action: 'api_key.rotate',
        target: id,
        detail: { previousPrefix: row.prefix, newPrefix: displayPrefix(secret), graceUntil },
      },
      now,
    ),
  ]);
  invalidateKeyCache();
  if (!updated?.meta.changes) await rotationLost(database, id);
  return { key: await getKey(store, id), secret };
}

/**
 * A rotation whose batch changed nothing lost a race to another write of the key since it was read:
 * a delete (404), a revoke (409), or another rotation of the same secret, whose secret is now the key's (409).
 */
async function rotationLost(database: D1Database, id: string): Promise<never> {
  const current = await loadRow(database, id); // deleted meanwhile: 404
  if (current.revokedAt !== null) throw revokedRotation();
  throw new EcoError(
    409,
    'rotation_conflict',
    `The key '${id}' was rotated by another request at the same time; its secret is the one that request returned. Get the key and rotate again if a new secret is still needed.`,
  );
}

function revokedRotation(): EcoError {
  return new EcoError(409, 'api_key_revoked', 'A revoked key cannot be rotated.');
}

export async function revokeKey(store: KeyStore, id: string): Promise<ApiKeyObject> {
  const row = await loadRow(store.database, id);
  const now = store.now?.() ?? Date.now();
  if (row.revokedAt === null) {
    const handle = db(store.database);
    // Only a key not yet revoked: of two revokes at once, one sets the time and is audited, the other
    // answers with the key as that one left it.
    await store.database.batch([
      prepared(
        store.database,
        handle
          .update(apiKeys)
          .set({ revokedAt: now })
          .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))),
      ),
      auditIfChanged(
        store.database,
        { actorKeyId: store.actorKeyId, action: 'api_key.revoke', target: id },
        now,
      ),
    ]);
    invalidateKeyCache();
  }
  return getKey(store, id);
}

/**
 * A key an IM bot bills to is not deleted (the bot could never answer again): 409 naming the bots.
 * Revoking such a key still works; that is the way to stop it at once.
 */
async function refuseIfBotsBill(database: D1Database, id: string): Promise<void> {
  const users = await botsBillingTo(database, id);
  if (users.length > 0)
    throw new EcoError(
      409,
      'api_key_in_use',
      `IM bot ${users.join(', ')} bills to API key '${id}'; change or delete those bots first (or revoke the key to stop it now).`,
    );
}

/**
 * Scopes or allowed models that would leave a bot billing to the key unable to answer are refused, as
 * deleting the key is: 409 naming the bots.
 */
async function refuseIfBotsStranded(
  database: D1Database,
  id: string,
  scopes: readonly string[],
  allowedModels: string[] | null,
): Promise<void> {
  const stranded = await botsStrandedBy(database, id, scopes, allowedModels);
  if (stranded.length > 0)
    throw new EcoError(
      409,
      'api_key_in_use',
      `IM bot ${stranded.join(', ')} bills to API key '${id}' and could no longer answer with these scopes or allowed models; change those bots first.`,
      { param: changedParam(scopes) },
    );
}

function changedParam(scopes: readonly string[]): string {
  return scopes.includes('inference') ? 'allowed_models' : 'scopes';
}

export async function deleteKey(store: KeyStore, id: string): Promise<void> {
  const row = await loadRow(store.database, id);
  await refuseIfBotsBill(store.database, id);
  const now = store.now?.() ?? Date.now();
  const database = store.database;
  // The delete re-checks the bots itself, so a bot switched to this key since the check keeps it; the
  // audit row and the retired secrets go only with a key that was deleted.
  const [removed] = await database.batch([
    database
      .prepare('DELETE FROM api_keys WHERE id = ? AND NOT EXISTS (SELECT 1 FROM bots WHERE key_id = ?)')
      .bind(id, id),
    auditIfChanged(
      database,
      {
        actorKeyId: store.actorKeyId,
        action: 'api_key.delete',
        target: id,
        detail: { name: row.name, tenant: row.tenant, prefix: row.prefix },
      },
      now,
    ),
    database
      .prepare(
        'DELETE FROM api_key_retired_hashes WHERE key_id = ? AND NOT EXISTS (SELECT 1 FROM api_keys WHERE id = ?)',
      )
      .bind(id, id),
  ]);
  invalidateKeyCache();
  if (removed?.meta.changes) return;
  await refuseIfBotsBill(database, id);
  await loadRow(database, id); // deleted meanwhile by another request: 404
  throw writeConflict('API key', id);
}
