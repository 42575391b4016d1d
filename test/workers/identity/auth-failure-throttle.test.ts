import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { FailureThrottle } from '../../../workers/auth/failure-throttle.ts';
import { invalidateKeyCache } from '../../../workers/data/api-keys.ts';
import { seedKey } from '../helpers/seed.ts';

describe('FailureThrottle', () => {
  it('blocks an address past its limit until the window ends, and only that address', () => {
    const t = new FailureThrottle(3, 1000);
    expect(t.idle).toBe(true);
    for (let i = 0; i < 3; i++) {
      expect(t.blockedFor('a', 100)).toBeUndefined();
      t.record('a', 100);
    }
    expect(t.idle).toBe(false);
    expect(t.blockedFor('a', 200)).toBe(900);
    expect(t.blockedFor('b', 200)).toBeUndefined();
    expect(t.blockedFor('a', 1100)).toBeUndefined();
    t.record('a', 1100);
    expect(t.blockedFor('a', 1100)).toBeUndefined();
  });

  it('a limit of 0 never blocks; the table stays bounded', () => {
    const off = new FailureThrottle(0);
    for (let i = 0; i < 10; i++) off.record('a', 0);
    expect(off.blockedFor('a', 0)).toBeUndefined();
    const small = new FailureThrottle(1, 1000, 2);
    small.record('a', 0);
    small.record('b', 0);
    small.record('c', 0); // starts over: a is forgotten
    expect(small.blockedFor('a', 0)).toBeUndefined();
    expect(small.blockedFor('c', 0)).toBe(1000);
  });
});

const models = (key: string, ip: string) =>
  exports.default.fetch('http://gw/v1/models', {
    headers: { authorization: `Bearer ${key}`, 'cf-connecting-ip': ip },
  });

describe('invalid credentials from one address', () => {
  it('after 60 failures in a minute, unknown keys from it get 429 without a lookup; known keys still pass', async () => {
    const known = await seedKey();
    const ip = '203.0.113.7';
    expect((await models(known, ip)).status).toBe(200);
    for (let i = 0; i < 60; i++) expect((await models(`eco_sk_made_up_${i}`, ip)).status).toBe(401);
    const refused = await models('eco_sk_made_up_60', ip);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('too_many_auth_failures');
    // A key this isolate already knows is not held up, and other addresses are not affected.
    expect((await models(known, ip)).status).toBe(200);
    expect((await models('eco_sk_made_up_61', '203.0.113.8')).status).toBe(401);
  });

  it('a key seen valid keeps passing after its cache entry expired, and is still checked', async () => {
    const known = await seedKey({ id: 'key_throttle_recent' });
    const ip = '203.0.113.9';
    expect((await models(known, ip)).status).toBe(200);
    for (let i = 0; i < 60; i++) expect((await models(`eco_sk_made_up_r${i}`, ip)).status).toBe(401);
    invalidateKeyCache(); // as after ECO_KEY_CACHE_TTL_MS
    expect((await models(known, ip)).status).toBe(200);
    // Passing the throttle still means a lookup: a revoked key is refused as revoked.
    await env.DB.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?')
      .bind(Date.now(), 'key_throttle_recent')
      .run();
    invalidateKeyCache();
    const revoked = await models(known, ip);
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as { error: { code: string } }).error.code).toBe('api_key_revoked');
  });

  it('requests without a client address (local tools) are never throttled', async () => {
    for (let i = 0; i < 70; i++) {
      const res = await exports.default.fetch('http://gw/v1/models', {
        headers: { authorization: `Bearer eco_sk_local_${i}` },
      });
      expect(res.status).toBe(401);
    }
  });
});
