import { and, eq } from 'drizzle-orm';
import { isBotSecretName } from '../../schemas/bot-config.ts';
import { type BotRow, bots } from '../../schemas/db/bots.ts';
import { forgetBotSecretNames } from '../auth/pool-secret-names.ts';
import { logConfigurationError } from '../config/configuration-error-log.ts';
import { baseUrlIssue } from '../config/parse-text-setting.ts';
import { settings } from '../config/read-settings.ts';
import { db } from '../data/db.ts';
import type { Env } from '../env.ts';
import { BotCache } from './bot-cache.ts';
import type { BotConfig, BotSettings, Platform } from './types.ts';

let cache: BotCache | undefined;

/** Whether `id` follows the bot id rule (BotConfig's `id`): no other id can name a bot. */
export function isBotId(id: string): boolean {
  // Wider than the id rule for new bots: a row written by SQL with another id keeps its webhooks.
  return id.length > 0 && id.length <= 256 && PRINTABLE_ASCII.test(id);
}

const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * Bots are read on every webhook: keep them in isolate memory briefly (ECO_IM_BOT_CACHE_TTL_MS, 10 s).
 * The webhook route answers an id no bot can have (isBotId) before it asks.
 */
export async function findBot(env: Env, platform: Platform, id: string): Promise<BotConfig | null> {
  cache ??= new BotCache(settings(env).ECO_IM_BOT_CACHE_TTL_MS);
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
  // The secret names pools may not send change with the bots (this isolate at once, others within 30 s).
  forgetBotSecretNames();
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
 * Why a bot's own `apiBase` cannot be used, or null when it can: the rule the `ECO_*_API_BASE` settings
 * follow (absolute http(s), no query or fragment, no credentials), so a bot cannot send its token to a
 * place the deployment's settings would refuse.
 */
export function botApiBaseIssue(value: string): string | null {
  return baseUrlIssue(value.trim());
}

/** Bots whose unusable stored `apiBase` was logged, in this isolate: one line each, not one per send. */
const loggedBases = new Set<string>();

/**
 * The bot's own override, else the deployment's var, else the platform's public API (also while the
 * var is unusable: see workers/config/settings.ts). An override that breaks the settings' URL rule (a
 * row written by SQL, or before the admin API checked it) is passed over the same way, and logged once.
 */
export function apiBase(env: Env, bot: BotConfig): string {
  const platformBase = settings(env)[BASE_VARS[bot.platform]];
  if (!bot.apiBase) return platformBase.replace(/\/+$/, '');
  const issue = botApiBaseIssue(bot.apiBase);
  if (issue === null) return bot.apiBase.trim().replace(/\/+$/, '');
  const key = `${bot.platform}:${bot.id}\n${bot.apiBase}`;
  if (!loggedBases.has(key)) {
    if (loggedBases.size >= 1000) loggedBases.clear();
    loggedBases.add(key);
    // The URL itself is never repeated: a path or query may carry a token.
    logConfigurationError({
      code: 'bot_api_base_unusable',
      variable: null,
      message: `bot ${bot.platform}:${bot.id}: its apiBase is not an absolute http(s) URL without query or fragment (${issue}); ${platformBase} is used until it is corrected`,
      requestId: null,
    });
  }
  return platformBase.replace(/\/+$/, '');
}
