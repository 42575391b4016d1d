import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { call, seedVllmPool } from './helpers.ts';

// A PATCH of a key an IM bot bills to may not leave that bot unable to answer, as deleting the key
// may not: without `inference`, or without the bot's default model among its allowed models.

let admin: string;

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string; param: string | null } }).error;

const patch = (body: Record<string, unknown>) =>
  call('/admin/keys/key_kpb_billed', admin, { method: 'PATCH', body });

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: 'kpb-ops' });
  await seedKey({ id: 'key_kpb_billed', scopes: ['inference', 'jobs'] });
  await seedVllmPool('kpb-pool', 'a', 'kpb.test', 'kpb-model', 4);
  await seedVllmPool('kpb-pool-2', 'b', 'kpb2.test', 'kpb-other', 4);
  const res = await call('/admin/bots', admin, {
    method: 'POST',
    body: {
      platform: 'telegram',
      id: 'kpb-bot',
      name: 'Bot kpb',
      keyId: 'key_kpb_billed',
      defaultModel: 'kpb-model',
      secretName: 'ECO_IM_TEST_SECRET',
      accessTokenName: 'ECO_IM_TEST_ACCESS_TOKEN',
    },
  });
  expect(res.status).toBe(201);
});

describe('patching a key an IM bot bills to', () => {
  it('refuses scopes without inference, and allowed models without the bot’s model: 409 naming the bot', async () => {
    for (const [body, param] of [
      [{ scopes: ['jobs'] }, 'scopes'],
      [{ allowed_models: ['kpb-other'] }, 'allowed_models'],
    ] as const) {
      const res = await patch(body);
      expect(res.status).toBe(409);
      const error = await errorOf(res);
      expect(error).toMatchObject({ code: 'api_key_in_use', param });
      expect(error.message).toContain('telegram/kpb-bot');
    }
    const row = await env.DB.prepare(
      "SELECT scopes, allowed_models FROM api_keys WHERE id = 'key_kpb_billed'",
    ).first<{ scopes: string; allowed_models: string | null }>();
    expect(JSON.parse(row!.scopes)).toEqual(['inference', 'jobs']);
    expect(row!.allowed_models).toBeNull();
  });

  it('takes changes the bot survives', async () => {
    expect((await patch({ scopes: ['inference'] })).status).toBe(200);
    expect((await patch({ allowed_models: ['kpb-model', 'kpb-other'] })).status).toBe(200);
    expect((await patch({ name: 'renamed' })).status).toBe(200);
  });
});
