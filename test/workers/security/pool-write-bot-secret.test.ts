import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { callAs, errorOf, poolBody } from '../gateway/admin-call.ts';
import { seedKey } from '../helpers/seed.ts';

// The admin API refuses origin auth naming a secret an IM bot uses: its value would go to the origin.

let admin: string;
const call = (method: string, path: string, body?: unknown) => callAs(admin, method, path, body);

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  await env.DB.prepare(
    `INSERT INTO bots (platform, id, name, key_id, default_model, secret_name, verify_token_name, access_token_name, api_base, settings, created_at)
     VALUES ('whatsapp', 'pwb-bot', 'pwb bot', 'key_pwb_none', 'pwb-model', 'PWB_APP_SECRET', 'PWB_VERIFY', 'PWB_ACCESS', NULL, '{}', 0)
     ON CONFLICT(platform, id) DO NOTHING`,
  ).run();
  expect((await call('POST', '/admin/pools', poolBody('pwb-base'))).status).toBe(201);
});

const storedPool = async (name: string) =>
  (await env.DB.prepare('SELECT name FROM pools WHERE name = ?').bind(name).first()) !== null;

describe('pool writes naming a bot secret', () => {
  it.each(['PWB_APP_SECRET', 'PWB_VERIFY', 'PWB_ACCESS'])(
    'refuse %s on create and on PATCH, naming the bot, and store nothing',
    async (secret) => {
      const res = await call(
        'POST',
        '/admin/pools',
        poolBody('pwb-new', { auth: { header: 'x-k', secret } }),
      );
      expect(res.status).toBe(400);
      const error = await errorOf(res);
      expect(error).toMatchObject({ type: 'invalid_request_error', param: 'auth.secret' });
      expect(error.message).toContain('whatsapp/pwb-bot');
      expect(await storedPool('pwb-new')).toBe(false);
      const patched = await call('PATCH', '/admin/pools/pwb-base', { auth: { header: 'x-k', secret } });
      expect(patched.status).toBe(400);
      expect((await errorOf(patched)).param).toBe('auth.secret');
    },
  );

  it('accept a secret of the pool’s own', async () => {
    const res = await call(
      'POST',
      '/admin/pools',
      poolBody('pwb-own', { auth: { header: 'x-k', secret: 'PWB_ORIGIN_KEY' } }),
    );
    expect(res.status).toBe(201);
  });
});
