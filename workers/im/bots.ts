import { and, eq } from 'drizzle-orm';
import { isBotSecretName } from '../../schemas/bot-config.ts';
import { type BotRow, bots } from '../../schemas/db/bots.ts';
import { settings } from '../config/read-settings.ts';
import { db } from '../data/db.ts';
import { TtlCache } from '../data/ttl-cache.ts';
import type { Env } from '../env.ts';
import type { BotConfig, BotSettings, Platform } from './types.ts';

let cache: TtlCache<BotConfig | null> | undefined;

/** Bots are read on every webhook: keep them in isolate memory briefly (ECO_IM_BOT_CACHE_TTL_MS, 10 s). */
export async function findBot(env: Env, platform: Platform, id: string): Promise<BotConfig | null> {
  cache ??= new TtlCache<BotConfig | null>(settings(env).ECO_IM_BOT_CACHE_TTL_MS, 1000);
  const key = `${platform}:${id}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const rows = await db(env.DB)
    .select()
    .from(bots)
    .where(and(eq(bots.platform, platform), eq(bots.id, id)))
    .limit(1);
  const bot = rows[0] ? botFields(rows[0]) : null;
  cache.set(key, bot);
  return bot;
}

export function invalidateBotCache(): void {
  cache?.clear();
}

/** A bot row as its configuration (the column names of the table, in camel case). */
export function botFields(row: BotRow): BotConfig {
  const settings = typeof row.settings === 'object' && row.settings !== null ? row.settings : {};
  return {
    platform: row.platform as Platform,
    id: row.id,
    name: row.name,
    keyId: row.keyId,
    defaultModel: row.defaultModel,
    secretName: row.secretName,
    verifyTokenName: row.verifyTokenName,
    accessTokenName: row.accessTokenName,
    apiBase: row.apiBase,
    settings: settings as BotSettings,
  };
}

/**
 * A bot's Worker secret by name; empty, absent or not a name a bot may use (see isBotSecretName) reads
 * as undefined, so callers refuse rather than accept, and never send a gateway secret out.
 */
export function secretValue(env: Env, name: string | null): string | undefined {
  if (!name || !isBotSecretName(name)) return undefined;
  const value = env[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const BASE_VARS = {
  telegram: 'ECO_TELEGRAM_API_BASE',
  whatsapp: 'ECO_WHATSAPP_API_BASE',
  line: 'ECO_LINE_API_BASE',
  messenger: 'ECO_MESSENGER_API_BASE',
} as const satisfies Record<Platform, string>;

/**
 * The bot's own override, else the deployment's var, else the platform's public API (also while the
 * var is unusable: see workers/config/settings.ts).
 */
export function apiBase(env: Env, bot: BotConfig): string {
  return (bot.apiBase || settings(env)[BASE_VARS[bot.platform]]).replace(/\/+$/, '');
}
