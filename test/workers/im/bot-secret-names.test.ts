import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { isBotSecretName } from '../../../schemas/bot-config.ts';
import { SETTINGS } from '../../../workers/config/settings.ts';
import { secretValue } from '../../../workers/im/bots.ts';
import wranglerToml from '../../../wrangler.toml?raw';
import { adminClient, botBody, errorOf } from './admin-client.ts';
import { seedModelBackend } from './harness.ts';

// A setting's value is a plain var, committed in wrangler.toml: a bot taking it for its webhook secret
// would accept anyone signing with, say, "5".
const settingNames = Object.keys(SETTINGS);
const wranglerVars = [...wranglerToml.matchAll(/^([A-Z][A-Z0-9_]*)\s*=/gm)].map((m) => m[1]!);

describe('names a bot may give for its secrets', () => {
  it("refuses every name of the gateway's settings and of wrangler.toml's vars, ECO_IM_* ones included", () => {
    expect(settingNames).toContain('ECO_IM_CHAT_BURST');
    expect(wranglerVars).toContain('ECO_IM_CHAT_BURST');
    for (const name of [...settingNames, ...wranglerVars]) expect(isBotSecretName(name), name).toBe(false);
  });

  it('still takes the ECO_IM_* secrets of the tests and the local stack, and names of the operator’s own', () => {
    for (const name of [
      'ECO_IM_TEST_SECRET',
      'ECO_IM_TEST_ACCESS_TOKEN',
      'ECO_IM_TEST_VERIFY_TOKEN',
      'ECO_IM_DEV_TELEGRAM_SECRET',
      'ECO_IM_DEV_WHATSAPP_VERIFY_TOKEN',
      'ECO_IM_DEV_LINE_ACCESS_TOKEN',
      'TG_SUPPORT_SECRET',
      'TG_SUPPORT_BOT_TOKEN',
    ])
      expect(isBotSecretName(name), name).toBe(true);
  });

  it('reads no setting as a bot secret, even from a row written by SQL', () => {
    expect(secretValue(env, 'ECO_IM_RETRY_BASE_MS')).toBeUndefined();
    expect(secretValue(env, 'ECO_IM_TEST_SECRET')).toBe('im-test-webhook-secret');
  });

  it('answers 400 naming the field when a bot names a setting as a secret', async () => {
    await seedModelBackend('key_secret_names', 'secret-names-engine.test', 'secret-names-model');
    const admin = await adminClient();
    for (const field of ['secretName', 'accessTokenName'] as const) {
      const body = botBody('telegram', 'setting-secret', 'key_secret_names', 'secret-names-model', {
        [field]: 'ECO_IM_CHAT_BURST',
      });
      const res = await admin.call('POST', '/admin/bots', body);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).param).toBe(field);
    }
    expect((await admin.call('GET', '/admin/bots/telegram/setting-secret')).status).toBe(404);
  });
});
