import { and, eq, inArray } from 'drizzle-orm';
import { BotConfig } from '../../schemas/bot-config.ts';
import { apiKeys } from '../../schemas/db/api-keys.ts';
import { type BotRow, bots } from '../../schemas/db/bots.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { AuditEntry } from '../auth/audit.ts';
import { parameterSlices } from '../data/bound-parameters.ts';
import { db } from '../data/db.ts';
import { storedKeyProblems } from '../data/stored-key.ts';
import { botApiBaseIssue, botFields, invalidateBotCache } from '../im/bots.ts';
import { mayUseModel } from '../principal.ts';
import { auditIfChanged } from './audit-if-changed.ts';
import { jsonArrayOr, keyServesModelSql, listModels, modelNamed, modelNamedSql } from './config-store.ts';
import { problemsOf } from './problems.ts';

/**
 * IM bots in D1, read fresh for the admin API. Every write commits with its audit row in one D1
 * batch and drops this isolate's bot cache (others follow within ECO_IM_BOT_CACHE_TTL_MS).
 */

export interface StoredBot {
  config: BotConfig;
  createdAt: number;
  /** Why the stored row would not be accepted as written now (a row written by SQL, say). */
  problems?: string[];
}

/** Every row is shown, valid or not, so that none is out of the API's reach. */
export function storedBot(row: BotRow): StoredBot {
  const fields = botFields(row);
  const parsed = BotConfig.safeParse(fields);
  const problems = parsed.success ? [] : problemsOf(parsed.error, '(bot)');
  // Sends fall back to the platform's base meanwhile (see apiBase()); the view says why.
  const baseIssue = typeof fields.apiBase === 'string' ? botApiBaseIssue(fields.apiBase) : null;
  if (baseIssue !== null && !problems.some((p) => p.startsWith('apiBase:')))
    problems.push(`apiBase: not an absolute http(s) URL without query or fragment (${baseIssue})`);
  if (parsed.success && problems.length === 0) return { config: parsed.data, createdAt: row.createdAt };
  return { config: parsed.success ? parsed.data : (fields as BotConfig), createdAt: row.createdAt, problems };
}

export async function listBots(database: D1Database): Promise<StoredBot[]> {
  const rows = await db(database).select().from(bots).orderBy(bots.platform, bots.id);
  return rows.map(storedBot);
}

async function findStoredBot(
  database: D1Database,
  platform: string,
  id: string,
): Promise<StoredBot | undefined> {
  const rows = await db(database)
    .select()
    .from(bots)
    .where(and(eq(bots.platform, platform), eq(bots.id, id)))
    .limit(1);
  return rows[0] ? storedBot(rows[0]) : undefined;
}

export async function getBot(database: D1Database, platform: string, id: string): Promise<StoredBot> {
  const bot = await findStoredBot(database, platform, id);
  if (!bot) throw botNotFound(platform, id);
  return bot;
}

function botNotFound(platform: string, id: string): EcoError {
  return new EcoError(404, 'bot_not_found', `No ${platform} bot '${id}'.`);
}

/**
 * The key must be live (not revoked, not expired) and allowed to call models, and the model must be in
 * the registry (by id or alias): a bot that could never answer is refused when written.
 */
export async function checkBotReferences(
  database: D1Database,
  bot: BotConfig,
  now = Date.now(),
): Promise<void> {
  const key = (await db(database).select().from(apiKeys).where(eq(apiKeys.id, bot.keyId)).limit(1))[0];
  const live = key && key.revokedAt === null && (key.expiresAt === null || key.expiresAt > now);
  if (!live)
    throw new EcoError(400, 'key_not_found', `No live API key '${bot.keyId}' for the bot to bill to.`, {
      param: 'keyId',
    });
  if (storedKeyProblems(key).length > 0)
    throw new EcoError(
      400,
      'api_key_record_invalid',
      `API key '${bot.keyId}' has a stored record that is invalid; correct it under /admin/keys first.`,
      { param: 'keyId' },
    );
  // Bots answer as this key: it needs `inference` itself (an admin key would run chat traffic as admin).
  if (!key.scopes.includes('inference'))
    throw new EcoError(400, 'key_cannot_infer', `API key '${bot.keyId}' lacks the 'inference' scope.`, {
      param: 'keyId',
    });
  const models = await listModels(database);
  const model = modelNamed(models, bot.defaultModel);
  if (!model)
    throw new EcoError(400, 'model_not_found', `No model '${bot.defaultModel}' in the registry.`, {
      param: 'defaultModel',
    });
  if (!mayUseModel(key.allowedModels ?? null, model))
    throw new EcoError(400, 'model_not_allowed', `API key '${bot.keyId}' may not use '${model.id}'.`, {
      param: 'defaultModel',
    });
  await refusePoolSecrets(database, bot);
}

/**
 * A bot's secrets may not be ones a pool's origin auth sends: each origin request would carry the bot's
 * credential to the pool's origins (and, refused at use, every request to that pool would fail).
 */
async function refusePoolSecrets(database: D1Database, bot: BotConfig): Promise<void> {
  const names = [
    ['secretName', bot.secretName],
    ['accessTokenName', bot.accessTokenName],
    ['verifyTokenName', bot.verifyTokenName],
  ].filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  for (const [param, name] of names) {
    const { results } = await database
      .prepare(
        "SELECT name FROM pools WHERE CASE WHEN json_valid(config) THEN json_extract(config, '$.auth.secret') END = ? ORDER BY name LIMIT 5",
      )
      .bind(name)
      .all<{ name: string }>();
    if (results.length === 0) continue;
    const pools = results.map((row) => row.name).join(', ');
    throw new EcoError(
      400,
      'invalid_request',
      `${param} names the secret ${name}, which the origin auth of pool${results.length > 1 ? 's' : ''} ${pools} sends to its origins; give the bot a secret of its own.`,
      { param },
    );
  }
}

/** The bots whose default model is one of `names` (a model's id or aliases), as `platform/id`. */
export async function botsNaming(database: D1Database, names: string[]): Promise<string[]> {
  // A model may have more names than one statement binds.
  const slices = await Promise.all(
    parameterSlices(names).map((slice) =>
      db(database)
        .select({ platform: bots.platform, id: bots.id })
        .from(bots)
        .where(inArray(bots.defaultModel, slice)),
    ),
  );
  return [...new Set(slices.flat().map((r) => `${r.platform}/${r.id}`))].sort();
}

/**
 * SQL: the `bots` row could no longer answer were its key's scopes and allowed models `scopes` and
 * `allowed` (SQL expressions of their JSON): without `inference`, or not allowed its default model. A bot
 * whose model is gone is stranded already; a change that keeps `inference` is not why.
 */
export function botStrandedSql(scopes: string, allowed: string): string {
  return `(NOT ${keyServesModelSql(scopes, allowed, 'bots.default_model')}
    AND (NOT EXISTS (SELECT 1 FROM json_each(${jsonArrayOr(scopes)}) AS kept WHERE kept.value = 'inference')
      OR ${modelNamedSql('bots.default_model')}))`;
}

/**
 * The bots billing to API key `keyId` that could no longer answer were the key's scopes and allowed
 * models these (see botStrandedSql, which the key's update checks again as it writes). As `platform/id`.
 */
export async function botsStrandedBy(
  database: D1Database,
  keyId: string,
  scopes: readonly string[],
  allowedModels: string[] | null,
): Promise<string[]> {
  const { results } = await database
    .prepare(
      `SELECT platform, id FROM bots WHERE key_id = ?1 AND ${botStrandedSql('?2', '?3')} ORDER BY platform, id`,
    )
    .bind(keyId, JSON.stringify(scopes), JSON.stringify(allowedModels))
    .all<{ platform: string; id: string }>();
  return results.map((row) => `${row.platform}/${row.id}`);
}

/** The bots that bill to API key `keyId`, as `platform/id`. */
export async function botsBillingTo(database: D1Database, keyId: string): Promise<string[]> {
  const rows = await db(database)
    .select({ platform: bots.platform, id: bots.id })
    .from(bots)
    .where(eq(bots.keyId, keyId))
    .orderBy(bots.platform, bots.id);
  return rows.map((r) => `${r.platform}/${r.id}`);
}

/** What a save did: created the bot, or replaced the one there (`createdAt` is the stored row's). */
export interface SavedBot {
  created: boolean;
  createdAt: number;
}

/**
 * Create or replace a bot, deciding which in the write itself: a create and a replace are two
 * statements of one batch, the replace skipped when the create's audit row went in, so two saves at
 * once are one create and one replace (each audited as what it did), never two creates. Either goes
 * through only while its billing key exists unrevoked and may use the model: checked before
 * (checkBotReferences), but a key deleted or revoked since must not be written in, or the bot would
 * answer nobody. Null when the key went away: nothing was written, audit row included.
 */
export async function saveBot(
  database: D1Database,
  bot: BotConfig,
  actorKeyId: string,
  now = Date.now(),
): Promise<SavedBot | null> {
  const target = `${bot.platform}/${bot.id}`;
  const createAuditId = crypto.randomUUID();
  const usable = `EXISTS (
      SELECT 1 FROM api_keys AS k WHERE k.id = ?4 AND k.revoked_at IS NULL
        AND ${keyServesModelSql('k.scopes', 'k.allowed_models', '?5')}
    )
    AND ${modelNamedSql('?5')}`;
  const fields = [
    bot.platform,
    bot.id,
    bot.name,
    bot.keyId,
    bot.defaultModel,
    bot.secretName,
    bot.verifyTokenName ?? null,
    bot.accessTokenName,
    bot.apiBase ?? null,
    JSON.stringify(bot.settings),
  ];
  const [create, , replace] = await database.batch([
    database
      .prepare(
        `INSERT INTO bots (platform, id, name, key_id, default_model, secret_name, verify_token_name, access_token_name, api_base, settings, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 WHERE ${usable}
         ON CONFLICT (platform, id) DO NOTHING`,
      )
      .bind(...fields, now),
    auditIfChanged(
      database,
      { actorKeyId, action: 'bot.create', target, detail: { config: bot } },
      now,
      createAuditId,
    ),
    database
      .prepare(
        `UPDATE bots SET name = ?3, key_id = ?4, default_model = ?5, secret_name = ?6,
           verify_token_name = ?7, access_token_name = ?8, api_base = ?9, settings = ?10
         WHERE platform = ?1 AND id = ?2 AND ${usable}
           AND NOT EXISTS (SELECT 1 FROM audit_log WHERE id = ?11)
         RETURNING created_at AS createdAt`,
      )
      .bind(...fields, createAuditId),
    auditIfChanged(database, { actorKeyId, action: 'bot.replace', target, detail: { config: bot } }, now),
  ]);
  const replaced = replace?.results[0] as { createdAt: number } | undefined;
  if (!create?.meta.changes && replaced === undefined) return null;
  invalidateBotCache();
  return create?.meta.changes
    ? { created: true, createdAt: now }
    : { created: false, createdAt: replaced!.createdAt };
}

/** Delete a bot; 404 when there is none to delete (another request may have deleted it first). */
export async function deleteBot(
  database: D1Database,
  platform: string,
  id: string,
  audit: AuditEntry,
): Promise<void> {
  const [removed] = await database.batch([
    database.prepare('DELETE FROM bots WHERE platform = ? AND id = ?').bind(platform, id),
    // Audited only with the bot that this request deleted.
    auditIfChanged(database, audit),
  ]);
  invalidateBotCache();
  if (!removed?.meta.changes) throw botNotFound(platform, id);
}
