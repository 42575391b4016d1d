import { and, eq } from 'drizzle-orm';
import { BotConfig } from '../../schemas/bot-config.ts';
import { apiKeys } from '../../schemas/db/api-keys.ts';
import { type BotRow, bots } from '../../schemas/db/bots.ts';
import { EcoError } from '../../schemas/errors.ts';
import { type AuditEntry, auditInsert } from '../auth/audit.ts';
import { db } from '../data/db.ts';
import { botFields, invalidateBotCache } from '../im/bots.ts';
import { listModels } from './config-store.ts';

/**
 * IM bots in D1, read fresh for the admin API. Every write commits with its audit row in one D1
 * batch and drops this isolate's bot cache (others follow within ECO_IM_BOT_CACHE_TTL_MS).
 */

export interface StoredBot {
  config: BotConfig;
  createdAt: number;
}

function toStored(row: BotRow): StoredBot | undefined {
  const parsed = BotConfig.safeParse(botFields(row));
  return parsed.success ? { config: parsed.data, createdAt: row.createdAt } : undefined;
}

export async function listBots(database: D1Database): Promise<StoredBot[]> {
  const rows = await db(database).select().from(bots).orderBy(bots.platform, bots.id);
  return rows.flatMap((row) => toStored(row) ?? []);
}

export async function findStoredBot(
  database: D1Database,
  platform: string,
  id: string,
): Promise<StoredBot | undefined> {
  const rows = await db(database)
    .select()
    .from(bots)
    .where(and(eq(bots.platform, platform), eq(bots.id, id)))
    .limit(1);
  return rows[0] ? toStored(rows[0]) : undefined;
}

export async function getBot(database: D1Database, platform: string, id: string): Promise<StoredBot> {
  const bot = await findStoredBot(database, platform, id);
  if (!bot) throw new EcoError(404, 'bot_not_found', `No ${platform} bot '${id}'.`);
  return bot;
}

/** The key must exist and be live, and the model must be in the registry (by id or alias). */
export async function checkBotReferences(database: D1Database, bot: BotConfig): Promise<void> {
  const key = (
    await db(database)
      .select({ id: apiKeys.id, revokedAt: apiKeys.revokedAt })
      .from(apiKeys)
      .where(eq(apiKeys.id, bot.keyId))
      .limit(1)
  )[0];
  if (!key || key.revokedAt !== null)
    throw new EcoError(400, 'key_not_found', `No live API key '${bot.keyId}' for the bot to bill to.`, {
      param: 'keyId',
    });
  const models = await listModels(database);
  if (!models.some((m) => m.id === bot.defaultModel || m.aliases.includes(bot.defaultModel)))
    throw new EcoError(400, 'model_not_found', `No model '${bot.defaultModel}' in the registry.`, {
      param: 'defaultModel',
    });
}

export async function saveBot(
  database: D1Database,
  bot: BotConfig,
  createdAt: number,
  audit: AuditEntry,
): Promise<void> {
  const handle = db(database);
  const row = {
    name: bot.name,
    keyId: bot.keyId,
    defaultModel: bot.defaultModel,
    secretName: bot.secretName,
    verifyTokenName: bot.verifyTokenName,
    accessTokenName: bot.accessTokenName,
    apiBase: bot.apiBase,
    settings: bot.settings,
  };
  await handle.batch([
    handle
      .insert(bots)
      .values({ platform: bot.platform, id: bot.id, createdAt, ...row })
      .onConflictDoUpdate({ target: [bots.platform, bots.id], set: row }),
    auditInsert(database, audit),
  ]);
  invalidateBotCache();
}

export async function deleteBot(
  database: D1Database,
  platform: string,
  id: string,
  audit: AuditEntry,
): Promise<void> {
  const handle = db(database);
  await handle.batch([
    handle.delete(bots).where(and(eq(bots.platform, platform), eq(bots.id, id))),
    auditInsert(database, audit),
  ]);
  invalidateBotCache();
}
