import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { postWebhook } from './bots.ts';
import { seedModelBackend } from './harness.ts';

let admin: string;

const call = (path: string, init: { method?: string; body?: unknown; as?: string } = {}) =>
  exports.default.fetch(`http://gw${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.as ?? admin}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });

const telegramBot = {
  platform: 'telegram',
  id: 'admin-made',
  name: 'Made by the admin API',
  keyId: 'key_admin_bots',
  defaultModel: 'admin-bots-model',
  secretName: 'ECO_IM_TEST_SECRET',
  accessTokenName: 'ECO_IM_TEST_ACCESS_TOKEN',
  settings: { systemPrompt: 'Be brief.' },
};

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; param: string } }).error;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: 'ops' });
  await seedKey({ id: 'key_admin_bots_no_inference', scopes: ['jobs'] });
  await seedKey({ id: 'key_admin_bots_expired', expiresAt: Date.now() - 1000 });
  await seedKey({ id: 'key_admin_bots_admin_only', scopes: ['admin'] });
  await seedKey({ id: 'key_admin_bots_other_models', allowedModels: ['some-other-model'] });
  await seedModelBackend('key_admin_bots', 'admin-bots-engine.test', 'admin-bots-model');
});

describe('admin API for IM bots', () => {
  it('creates a bot that receives webhooks at once, shows whether its secrets are set, and audits the change', async () => {
    expect((await postWebhook('telegram', 'admin-made', '{"update_id":1}')).status).toBe(404);
    const created = await call('/admin/bots', { method: 'POST', body: telegramBot });
    expect(created.status).toBe(201);
    const view = (await created.json()) as { webhookPath: string; secretsSet: Record<string, boolean> };
    expect(view.webhookPath).toBe('/webhooks/telegram/admin-made');
    expect(view.secretsSet).toEqual({ ECO_IM_TEST_SECRET: true, ECO_IM_TEST_ACCESS_TOKEN: true });
    // The webhook now answers: a signed update with nothing to say is accepted, a forged one is not.
    expect((await postWebhook('telegram', 'admin-made', '{"update_id":2}')).status).toBe(200);
    expect((await postWebhook('telegram', 'admin-made', '{"update_id":3}', { secret: 'wrong' })).status).toBe(
      401,
    );
    const audit = await env.DB.prepare(
      "SELECT action FROM audit_log WHERE target = 'telegram/admin-made'",
    ).all();
    expect(audit.results.map((r) => r.action)).toContain('bot.create');

    const list = (await (await call('/admin/bots')).json()) as { data: { config: { id: string } }[] };
    expect(list.data.map((b) => b.config.id)).toContain('admin-made');
  });

  it('patches settings, refuses to rename, and deletes (the webhook then answers 404)', async () => {
    await call('/admin/bots', { method: 'POST', body: { ...telegramBot, id: 'to-patch' } });
    const patched = await call('/admin/bots/telegram/to-patch', {
      method: 'PATCH',
      body: { settings: { maxMessageChars: 500 } },
    });
    expect(patched.status).toBe(200);
    const body = (await patched.json()) as { config: { settings: Record<string, unknown> } };
    expect(body.config.settings).toEqual({ systemPrompt: 'Be brief.', maxMessageChars: 500 });
    const rename = await call('/admin/bots/telegram/to-patch', { method: 'PATCH', body: { id: 'other' } });
    expect(rename.status).toBe(400);
    expect((await errorOf(rename)).param).toBe('id');
    expect((await call('/admin/bots/telegram/to-patch', { method: 'DELETE' })).status).toBe(200);
    expect((await call('/admin/bots/telegram/to-patch')).status).toBe(404);
    expect((await postWebhook('telegram', 'to-patch', '{"update_id":4}')).status).toBe(404);
  });

  it('refuses secret values, unknown keys and models, and platform mismatches, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...telegramBot, secretName: 'dev-telegram-webhook-secret:abc' }, 'secretName'],
      [{ ...telegramBot, keyId: 'key_nobody' }, 'keyId'],
      [{ ...telegramBot, defaultModel: 'no-such-model' }, 'defaultModel'],
      [{ ...telegramBot, verifyTokenName: 'ECO_IM_TEST_VERIFY_TOKEN' }, 'verifyTokenName'],
      [{ ...telegramBot, platform: 'whatsapp' }, 'verifyTokenName'],
      [{ ...telegramBot, settings: { maxTokens: 0 } }, 'settings.maxTokens'],
      [{ ...telegramBot, token: 'raw-secret' }, ''],
      [{ ...telegramBot, secretName: 'a3f9c2d18b7e4f60' }, 'secretName'],
      [{ ...telegramBot, accessTokenName: 'ECO_INTERNAL_SECRET' }, 'accessTokenName'],
      [{ ...telegramBot, keyId: 'key_admin_bots_no_inference' }, 'keyId'],
      [{ ...telegramBot, keyId: 'key_admin_bots_expired' }, 'keyId'],
      [{ ...telegramBot, keyId: 'key_admin_bots_admin_only' }, 'keyId'],
      [{ ...telegramBot, keyId: 'key_admin_bots_other_models' }, 'defaultModel'],
      [{ ...telegramBot, accessTokenName: 'ECO_JWT_SIGNING_SECRET' }, 'accessTokenName'],
    ];
    for (const [body, param] of cases) {
      const res = await call('/admin/bots', { method: 'POST', body: { ...body, id: 'refused' } });
      expect(res.status, JSON.stringify(body)).toBe(400);
      if (param) expect((await errorOf(res)).param).toBe(param);
    }
    expect((await call('/admin/bots/telegram/refused')).status).toBe(404);
  });

  it('shows a row written by SQL that no longer validates, with its problems, so it can be fixed or deleted', async () => {
    await env.DB.prepare(
      `INSERT INTO bots (platform, id, name, key_id, default_model, secret_name, verify_token_name, access_token_name, settings, created_at)
       VALUES ('line', 'legacy', 'Legacy', 'key_admin_bots', 'admin-bots-model', 'legacy-secret', NULL, 'LEGACY_TOKEN', '{"greeting":"hi"}', 1)`,
    ).run();
    const res = await call('/admin/bots/line/legacy');
    expect(res.status).toBe(200);
    const view = (await res.json()) as { problems?: string[]; createdAt: number };
    expect(view.problems?.join(' ')).toMatch(/secretName/);
    expect(view.problems?.join(' ')).toMatch(/settings/);
    const fixed = await call('/admin/bots/line/legacy', {
      method: 'PATCH',
      body: { secretName: 'LEGACY_SECRET', settings: {} },
    });
    // Settings merge, so the unknown key stays and the row is still refused; a replace fixes it.
    expect(fixed.status).toBe(400);
    const replaced = await call('/admin/bots', {
      method: 'POST',
      body: {
        ...telegramBot,
        platform: 'line',
        id: 'legacy',
        secretName: 'LEGACY_SECRET',
        accessTokenName: 'LEGACY_TOKEN',
      },
    });
    expect(replaced.status).toBe(200);
    const now = (await replaced.json()) as { problems?: string[]; createdAt: number };
    expect(now.problems).toBeUndefined();
    expect(now.createdAt).toBe(1);
    expect((await call('/admin/bots/line/legacy', { method: 'DELETE' })).status).toBe(200);
  });

  it('needs the admin scope', async () => {
    const user = await seedKey({ scopes: ['inference'] });
    expect((await call('/admin/bots', { as: user })).status).toBe(403);
  });
});

describe('bot secrets at use', () => {
  it('a row written by SQL that names a gateway secret never reads it', async () => {
    const { secretValue } = await import('../../../workers/im/bots.ts');
    expect(secretValue(env, 'ECO_IM_TEST_SECRET')).toBe('im-test-webhook-secret');
    expect(secretValue(env, 'ECO_INTERNAL_SECRET')).toBeUndefined();
    expect(secretValue(env, 'ECO_JWT_SECRET')).toBeUndefined();
  });
});
