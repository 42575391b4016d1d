import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { generateApiKey, sha256Hex } from '../../../workers/data/key-hash.ts';
import { seedKey } from '../helpers/seed.ts';
import { call, jwtRefusal } from './helpers.ts';

// Another isolate rotates a key while this one holds the key's row in its cache: a token bought with
// the new secret is the key's, not a rotated-out one, and must pass here at once.

const exchange = async (key: string): Promise<string> => {
  const res = await call('/v1/auth/token', key, { method: 'POST', body: {} });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
};

/** A rotation as another isolate makes it: D1 changes, this isolate's cache is not told. */
async function rotateBehindTheCache(id: string, oldSecret: string): Promise<string> {
  const secret = generateApiKey();
  const now = Date.now();
  await env.DB.batch([
    env.DB.prepare(
      'INSERT INTO api_key_retired_hashes (key_hash, key_id, prefix, grace_until, retired_at) VALUES (?, ?, ?, ?, ?)',
    ).bind(await sha256Hex(oldSecret), id, oldSecret.slice(0, 13), now + 3_600_000, now),
    env.DB.prepare('UPDATE api_keys SET key_hash = ?, prefix = ? WHERE id = ?').bind(
      await sha256Hex(secret),
      secret.slice(0, 13),
      id,
    ),
  ]);
  return secret;
}

describe('a token bought with a secret newer than the cached key row', () => {
  it('is accepted, and the old secret’s token still works through its grace period', async () => {
    const old = await seedKey({ id: 'key_tok_rotated_elsewhere' });
    const oldToken = await exchange(old);
    // Cached here with the old secret.
    expect(await jwtRefusal(oldToken)).toBeUndefined();
    const fresh = await rotateBehindTheCache('key_tok_rotated_elsewhere', old);
    const newToken = await exchange(fresh);
    expect(await jwtRefusal(newToken)).toBeUndefined();
    expect(await jwtRefusal(newToken)).toBeUndefined();
    expect(await jwtRefusal(oldToken)).toBeUndefined();
  });

  it('a token of a secret that is neither the key’s now nor a retired one is still refused', async () => {
    const first = await seedKey({ id: 'key_tok_rotated_twice' });
    expect(await jwtRefusal(await exchange(first))).toBeUndefined();
    const second = await rotateBehindTheCache('key_tok_rotated_twice', first);
    const secondToken = await exchange(second);
    await rotateBehindTheCache('key_tok_rotated_twice', second);
    // The second secret leaves no record behind (its grace record removed by hand).
    await env.DB.prepare('DELETE FROM api_key_retired_hashes WHERE key_hash = ?')
      .bind(await sha256Hex(second))
      .run();
    expect(await jwtRefusal(secondToken)).toMatchObject({ status: 401, code: 'api_key_rotated' });
  });
});
