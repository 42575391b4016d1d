import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { invalidateKeyCache } from '../../../workers/data/api-keys.ts';
import { seedKey } from '../helpers/seed.ts';
import { call, expectError } from './helpers.ts';

const exchange = async (key: string): Promise<string> => {
  const res = await call('/v1/auth/token', key, { method: 'POST', body: {} });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
};

const rotate = async (admin: string, id: string, grace: number): Promise<string> => {
  const res = await call(`/admin/keys/${id}/rotate`, admin, {
    method: 'POST',
    body: { grace_period_seconds: grace },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { key: string }).key;
};

describe('access tokens of a key whose secret changes or which goes away', () => {
  it('a rotation without grace ends the tokens the old secret bought; the new secret’s work', async () => {
    const admin = await seedKey({ scopes: ['admin'] });
    const old = await seedKey({ id: 'key_tok_rotate_now' });
    const oldToken = await exchange(old);
    expect((await call('/v1/models', oldToken)).status).toBe(200);
    const fresh = await rotate(admin, 'key_tok_rotate_now', 0);
    await expectError(await call('/v1/models', oldToken), 401, 'api_key_rotated');
    const newToken = await exchange(fresh);
    expect((await call('/v1/models', newToken)).status).toBe(200);
  });

  it('a token bought with the old secret works through its grace period, and not past it, like the secret', async () => {
    const admin = await seedKey({ scopes: ['admin'] });
    const old = await seedKey({ id: 'key_tok_rotate_grace' });
    const before = await exchange(old);
    await rotate(admin, 'key_tok_rotate_grace', 3600);
    const during = await exchange(old);
    expect((await call('/v1/models', before)).status).toBe(200);
    expect((await call('/v1/models', during)).status).toBe(200);
    // The old secret's grace period runs out (moved into the past rather than waited for).
    await env.DB.prepare('UPDATE api_key_retired_hashes SET grace_until = ? WHERE key_id = ?')
      .bind(Date.now() - 1, 'key_tok_rotate_grace')
      .run();
    invalidateKeyCache();
    await expectError(await call('/v1/models', old), 401, 'api_key_rotated');
    await expectError(await call('/v1/models', before), 401, 'api_key_rotated');
    await expectError(await call('/v1/models', during), 401, 'api_key_rotated');
  });

  it('a deleted key’s tokens stop at once in this isolate', async () => {
    const admin = await seedKey({ scopes: ['admin'] });
    const key = await seedKey({ id: 'key_tok_deleted' });
    const token = await exchange(key);
    expect((await call('/v1/models', token)).status).toBe(200);
    expect((await call('/admin/keys/key_tok_deleted', admin, { method: 'DELETE' })).status).toBe(200);
    const res = await call('/v1/models', token);
    expect(res.status).toBe(401);
  });
});
