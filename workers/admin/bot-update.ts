import type { BotConfig } from '../../schemas/bot-config.ts';
import type { BotRow } from '../../schemas/db/bots.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { AuditEntry } from '../auth/audit.ts';
import { safeJson } from '../data/safe-json.ts';
import { invalidateBotCache } from '../im/bots.ts';
import { auditIfChanged } from './audit-if-changed.ts';
import { type StoredBot, storedBot } from './bot-store.ts';
import { keyServesModelSql, modelNamedSql } from './config-store.ts';

/** A bots row as D1 returns it (settings as its stored JSON text, compared as such). */
export interface StoredBotRow {
  platform: string;
  id: string;
  name: string;
  key_id: string;
  default_model: string;
  secret_name: string;
  verify_token_name: string | null;
  access_token_name: string;
  api_base: string | null;
  settings: string;
  created_at: number;
}

function fromStored(raw: StoredBotRow): BotRow {
  return {
    platform: raw.platform,
    id: raw.id,
    name: raw.name,
    keyId: raw.key_id,
    defaultModel: raw.default_model,
    secretName: raw.secret_name,
    verifyTokenName: raw.verify_token_name,
    accessTokenName: raw.access_token_name,
    apiBase: raw.api_base,
    settings: safeJson(raw.settings) as Record<string, unknown>,
    createdAt: raw.created_at,
  };
}

/** A bot as stored, and the row it was read from (the expected state of a conditional update). */
export async function getBotAndRow(
  database: D1Database,
  platform: string,
  id: string,
): Promise<{ bot: StoredBot; stored: StoredBotRow }> {
  const stored = await database
    .prepare('SELECT * FROM bots WHERE platform = ? AND id = ?')
    .bind(platform, id)
    .first<StoredBotRow>();
  if (!stored) throw new EcoError(404, 'bot_not_found', `No ${platform} bot '${id}'.`);
  return { bot: storedBot(fromStored(stored)), stored };
}

/**
 * Write `bot` only if its row still holds exactly what `before` (read by getBotAndRow) held, and its
 * billing key still exists unrevoked (it was checked after that read; a key deleted or revoked in
 * between must not be written in). False when either changed: then nothing was written, audit row
 * included, and the caller computes the change again.
 */
export async function updateBotIfUnchanged(
  database: D1Database,
  bot: BotConfig,
  before: StoredBotRow,
  audit: AuditEntry,
): Promise<boolean> {
  const [update] = await database.batch([
    database
      .prepare(
        `UPDATE bots SET name = ?1, key_id = ?2, default_model = ?3, secret_name = ?4, verify_token_name = ?5, access_token_name = ?6, api_base = ?7, settings = ?8
         WHERE platform = ?9 AND id = ?10 AND name IS ?11 AND key_id IS ?12 AND default_model IS ?13 AND secret_name IS ?14
           AND verify_token_name IS ?15 AND access_token_name IS ?16 AND api_base IS ?17 AND settings IS ?18 AND created_at IS ?19
           AND EXISTS (
             SELECT 1 FROM api_keys AS k WHERE k.id = ?2 AND k.revoked_at IS NULL
               AND ${keyServesModelSql('k.scopes', 'k.allowed_models', '?3')}
           )
           AND ${modelNamedSql('?3')}`,
      )
      .bind(
        bot.name,
        bot.keyId,
        bot.defaultModel,
        bot.secretName,
        bot.verifyTokenName,
        bot.accessTokenName,
        bot.apiBase,
        JSON.stringify(bot.settings),
        before.platform,
        before.id,
        before.name,
        before.key_id,
        before.default_model,
        before.secret_name,
        before.verify_token_name,
        before.access_token_name,
        before.api_base,
        before.settings,
        before.created_at,
      ),
    auditIfChanged(database, audit),
  ]);
  if (!update?.meta.changes) return false;
  invalidateBotCache();
  return true;
}
