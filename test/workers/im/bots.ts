import { env, exports } from 'cloudflare:workers';
import { invalidateBotCache } from '../../../workers/im/bots.ts';
import type { Platform } from '../../../workers/im/types.ts';
import { lineSignature, metaSignature } from './signing.ts';

export const SECRET = 'im-test-webhook-secret';
export const VERIFY_TOKEN = 'im-test-verify-token';
export const ACCESS_TOKEN = 'im-test-access-token';

/** Insert (or replace) a bot whose secrets are the test bindings and whose send API is `apiBase`. */
export async function seedBot(input: {
  platform: Platform;
  id: string;
  keyId: string;
  model: string;
  apiBase?: string;
  secretName?: string;
  settings?: Record<string, unknown>;
}) {
  await env.DB.prepare(
    `INSERT INTO bots (platform, id, name, key_id, default_model, secret_name, verify_token_name, access_token_name, api_base, settings, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'ECO_IM_TEST_VERIFY_TOKEN', 'ECO_IM_TEST_ACCESS_TOKEN', ?, ?, ?)
     ON CONFLICT(platform, id) DO UPDATE SET key_id = excluded.key_id, default_model = excluded.default_model,
       secret_name = excluded.secret_name, api_base = excluded.api_base, settings = excluded.settings`,
  )
    .bind(
      input.platform,
      input.id,
      `${input.platform} test bot`,
      input.keyId,
      input.model,
      input.secretName ?? 'ECO_IM_TEST_SECRET',
      input.apiBase ?? null,
      JSON.stringify(input.settings ?? {}),
      Date.now(),
    )
    .run();
  invalidateBotCache();
}

/** POST a body to a webhook, signed the platform's way over exactly these bytes. */
export async function postWebhook(
  platform: Platform,
  botId: string,
  raw: string,
  options: { secret?: string; headers?: Record<string, string>; unsigned?: boolean } = {},
) {
  const secret = options.secret ?? SECRET;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (!options.unsigned) {
    if (platform === 'telegram') headers['x-telegram-bot-api-secret-token'] = secret;
    if (platform === 'line') headers['x-line-signature'] = await lineSignature(secret, raw);
    if (platform === 'whatsapp' || platform === 'messenger')
      headers['x-hub-signature-256'] = await metaSignature(secret, raw);
  }
  return exports.default.fetch(`http://gw/webhooks/${platform}/${botId}`, {
    method: 'POST',
    headers: { ...headers, ...options.headers },
    body: raw,
  });
}
