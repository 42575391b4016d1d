import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { call } from './helpers.ts';

let admin: string;

const bot = (id: string, keyId: string) => ({
  platform: 'telegram',
  id,
  name: `Bot ${id}`,
  keyId,
  defaultModel: 'kdb-model',
  secretName: 'ECO_IM_TEST_SECRET',
  accessTokenName: 'ECO_IM_TEST_ACCESS_TOKEN',
});

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; type: string; message: string; param: string | null } })
    .error;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: 'kdb-ops' });
  await seedKey({ id: 'key_kdb_billed' });
  await seedKey({ id: 'key_kdb_free' });
  await seedPool(
    {
      name: 'kdb-pool',
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://kdb.test', capacity: 4, weight: 1 }],
    },
    'kdb-model',
  );
  for (const id of ['kdb-one', 'kdb-two']) {
    const res = await call('/admin/bots', admin, { method: 'POST', body: bot(id, 'key_kdb_billed') });
    expect(res.status).toBe(201);
  }
});

describe('deleting a key an IM bot bills to', () => {
  it('is refused with 409 naming the bots; the key stays', async () => {
    const res = await call('/admin/keys/key_kdb_billed', admin, { method: 'DELETE' });
    expect(res.status).toBe(409);
    const error = await errorOf(res);
    expect(error).toMatchObject({ code: 'api_key_in_use', type: 'invalid_request_error' });
    expect(error.message).toContain('telegram/kdb-one');
    expect(error.message).toContain('telegram/kdb-two');
    expect(
      await env.DB.prepare("SELECT id FROM api_keys WHERE id = 'key_kdb_billed'").first(),
    ).not.toBeNull();
  });

  it('goes through once the bots bill elsewhere or are deleted', async () => {
    const moved = await call('/admin/bots/telegram/kdb-one', admin, {
      method: 'PATCH',
      body: { keyId: 'key_kdb_free' },
    });
    expect(moved.status).toBe(200);
    expect((await call('/admin/bots/telegram/kdb-two', admin, { method: 'DELETE' })).status).toBe(200);
    const res = await call('/admin/keys/key_kdb_billed', admin, { method: 'DELETE' });
    expect(res.status).toBe(200);
  });

  it('revoking such a key still works, and the answer names the bots it stops', async () => {
    const res = await call('/admin/keys/key_kdb_free/revoke', admin, { method: 'POST' });
    expect(res.status).toBe(200);
    const key = (await res.json()) as { status: string; bots_affected?: string[] };
    expect(key.status).toBe('revoked');
    expect(key.bots_affected).toEqual(['telegram/kdb-one']);
  });
});
