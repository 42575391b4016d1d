import { env } from 'cloudflare:workers';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { mintInternalToken } from '../../../workers/auth/internal-token.ts';
import { invalidateKeyCache } from '../../../workers/data/api-keys.ts';
import type { Env } from '../../../workers/env.ts';
import { seedKey } from '../helpers/seed.ts';
import { call, expectError } from './helpers.ts';

interface TokenAnswer {
  access_token: string;
  expires_in: number;
  expires_at: string;
}

const exchange = (key: string, body: unknown = {}) => call('/v1/auth/token', key, { method: 'POST', body });

async function token(key: string, body: unknown = {}): Promise<TokenAnswer & { exp: number }> {
  const res = await exchange(key, body);
  expect(res.status).toBe(200);
  const answer = (await res.json()) as TokenAnswer;
  return { ...answer, exp: decodeJwt(answer.access_token).exp! };
}

/** The answer is consistent with itself: `exp`, `expires_at` and `expires_in` name the same moment. */
function expectConsistent(answer: TokenAnswer & { exp: number }, before: number): void {
  expect(Date.parse(answer.expires_at)).toBe(answer.exp * 1000);
  expect(answer.exp - Math.floor(before / 1000)).toBeGreaterThanOrEqual(answer.expires_in);
  expect(answer.expires_in).toBeGreaterThanOrEqual(1);
}

describe('the lifetime of an exchanged access token', () => {
  it('ends when its key expires, not a configured TTL later', async () => {
    const expiresAt = Date.now() + 120_000;
    const key = await seedKey({ expiresAt });
    const before = Date.now();
    const answer = await token(key);
    expect(answer.exp * 1000).toBeLessThanOrEqual(expiresAt);
    expect(answer.expires_in).toBeLessThanOrEqual(120);
    expect(answer.expires_in).toBeGreaterThanOrEqual(115);
    expectConsistent(answer, before);
  });

  it('keeps a shorter ttl_seconds, and the configured TTL for a key that never expires', async () => {
    const soon = await seedKey({ expiresAt: Date.now() + 3_600_000 });
    expect((await token(soon, { ttl_seconds: 60 })).expires_in).toBe(60);
    const never = await seedKey();
    expect((await token(never)).expires_in).toBe(900);
  });

  it('ends when the rotated secret that bought it stops working', async () => {
    const admin = await seedKey({ scopes: ['admin'] });
    const keyId = `key_life_rot_${crypto.randomUUID().slice(0, 8)}`;
    const old = await seedKey({ id: keyId });
    const rotate = await call(`/admin/keys/${keyId}/rotate`, admin, {
      method: 'POST',
      body: { grace_period_seconds: 90 },
    });
    expect(rotate.status).toBe(200);
    const graceUntil = Date.now() + 90_000;
    const before = Date.now();
    const answer = await token(old);
    expect(answer.exp * 1000).toBeLessThanOrEqual(graceUntil);
    expect(answer.expires_in).toBeLessThanOrEqual(90);
    expectConsistent(answer, before);
  });

  it('is not issued when the key has less than a second left', async () => {
    const id = `key_life_end_${crypto.randomUUID().slice(0, 8)}`;
    const key = await seedKey({ id, expiresAt: Date.now() + 60_000 });
    // Authenticated now (cached), and within a second of its end by the time it is exchanged.
    await env.DB.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?')
      .bind(Date.now() + 800, id)
      .run();
    invalidateKeyCache();
    await expectError(await exchange(key), 401, 'api_key_expired');
  });

  it('names each scope once, however often it was asked for', async () => {
    const key = await seedKey({ scopes: ['inference', 'jobs'] });
    const res = await exchange(key, { scopes: ['jobs', 'inference', 'jobs'] });
    expect(((await res.json()) as { scope: string }).scope).toBe('jobs inference');
  });

  it('an internal credential is not exchanged for a token that could never be used', async () => {
    const id = `key_life_int_${crypto.randomUUID().slice(0, 8)}`;
    await seedKey({ id });
    const internal = await mintInternalToken(env as unknown as Env, id, 'job:test');
    await expectError(await exchange(internal), 403, 'token_not_exchangeable');
  });
});
