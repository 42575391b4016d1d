import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../seed-sql.mjs';

/**
 * Local IM bots: one per platform, id `dev`, billing to a local inference key of their own and answering with
 * `dev-vllm`. Their secrets are fixed dev values passed to wrangler dev as vars (override any of them
 * from the environment). With ECO_IM_FAKE_URL set, the platforms' send APIs point at that local fake
 * (`<fake>/telegram`, `<fake>/whatsapp`, `<fake>/line`, `<fake>/messenger`).
 * ECO_IM_DEV_MAX_MESSAGE_CHARS (optional) makes the dev bots split replies at that many characters.
 */
const PLATFORMS = ['telegram', 'whatsapp', 'line', 'messenger'];
const META = new Set(['whatsapp', 'messenger']);

const quote = (value) => (value === null ? 'NULL' : `'${String(value).replaceAll("'", "''")}'`);
const upper = (platform) => platform.toUpperCase();

export function secretNames(platform) {
  return {
    secret: `ECO_IM_DEV_${upper(platform)}_SECRET`,
    verifyToken: META.has(platform) ? `ECO_IM_DEV_${upper(platform)}_VERIFY_TOKEN` : null,
    accessToken: `ECO_IM_DEV_${upper(platform)}_ACCESS_TOKEN`,
  };
}

/** The key the dev bots bill to: `inference` only, as bot writes require; its secret is never used. */
export const BOT_KEY_ID = 'key_local_dev_bots';

function botKeySql(now) {
  const hash = sha256Hex(randomBytes(32));
  return (
    'INSERT INTO api_keys (id, name, tenant, prefix, key_hash, scopes, limits, allowed_models, default_priority, max_priority, created_at) ' +
    `VALUES (${quote(BOT_KEY_ID)}, 'local development IM bots', 'dev', 'eco_sk_bots_', ${quote(hash)}, '["inference"]', '{}', NULL, 'high', 'high', ${now}) ` +
    'ON CONFLICT(id) DO UPDATE SET scopes = excluded.scopes, revoked_at = NULL, expires_at = NULL;'
  );
}

export function seedSql(ctx) {
  const maxChars = Number(ctx.env?.ECO_IM_DEV_MAX_MESSAGE_CHARS ?? 0);
  const settings = JSON.stringify(maxChars > 0 ? { maxMessageChars: maxChars } : {});
  const now = Date.now();
  return `${botKeySql(now)}\n${PLATFORMS.map((platform) => {
    const names = secretNames(platform);
    return (
      'INSERT INTO bots (platform, id, name, key_id, default_model, secret_name, verify_token_name, access_token_name, api_base, settings, created_at) ' +
      `VALUES (${quote(platform)}, 'dev', ${quote(`local ${platform} bot`)}, ${quote(BOT_KEY_ID)}, 'dev-vllm', ${quote(names.secret)}, ${quote(names.verifyToken)}, ${quote(names.accessToken)}, NULL, ${quote(settings)}, ${now}) ` +
      'ON CONFLICT(platform, id) DO UPDATE SET key_id = excluded.key_id, default_model = excluded.default_model, secret_name = excluded.secret_name, verify_token_name = excluded.verify_token_name, access_token_name = excluded.access_token_name, settings = excluded.settings;'
    );
  }).join('\n')}\n`;
}

export function vars(ctx) {
  const env = ctx.env ?? {};
  const out = {};
  for (const platform of PLATFORMS) {
    const names = secretNames(platform);
    out[names.secret] = env[names.secret] ?? `dev-${platform}-webhook-secret`;
    if (names.verifyToken) out[names.verifyToken] = env[names.verifyToken] ?? `dev-${platform}-verify-token`;
    out[names.accessToken] = env[names.accessToken] ?? `dev-${platform}-access-token`;
  }
  const fake = env.ECO_IM_FAKE_URL?.replace(/\/+$/, '');
  if (fake) {
    out.ECO_TELEGRAM_API_BASE = `${fake}/telegram`;
    out.ECO_WHATSAPP_API_BASE = `${fake}/whatsapp/v23.0`;
    out.ECO_LINE_API_BASE = `${fake}/line`;
    out.ECO_MESSENGER_API_BASE = `${fake}/messenger/v23.0`;
  }
  return out;
}
