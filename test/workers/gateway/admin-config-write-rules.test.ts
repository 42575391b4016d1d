import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { callAs, errorOf, poolBody } from './admin-call.ts';

let admin: string;

const call = (method: string, path: string, body?: unknown) => callAs(admin, method, path, body);

async function storedPool(name: string): Promise<boolean> {
  const row = await env.DB.prepare('SELECT name FROM pools WHERE name = ?').bind(name).first();
  return row !== null;
}

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  expect((await call('POST', '/admin/pools', poolBody('cwr-base'))).status).toBe(201);
});

describe('pool writes: a config that the request path cannot use is refused when written', () => {
  it.each([
    ['a header name with a space', { header: 'X Api Key', secret: 'ORIGIN_KEY' }, 'auth.header'],
    ['a header name with a colon', { header: 'authorization:', secret: 'ORIGIN_KEY' }, 'auth.header'],
    [
      'a prefix with a line break',
      { header: 'authorization', secret: 'ORIGIN_KEY', prefix: 'Bearer\r\nX-Evil: 1 ' },
      'auth.prefix',
    ],
  ])('refuses origin auth with %s (400 naming the field, nothing stored)', async (_, auth, param) => {
    const res = await call('POST', '/admin/pools', poolBody('cwr-auth', { auth }));
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ type: 'invalid_request_error', param });
    expect(await storedPool('cwr-auth')).toBe(false);
  });

  it.each(['ECO_INTERNAL_SECRET', 'ECO_JWT_SECRET', 'ECO_JWT_SIGNING_SECRET', 'ECO_METRICS_TOKEN'])(
    'refuses origin auth that would send the gateway secret %s to an origin',
    async (secret) => {
      const res = await call(
        'POST',
        '/admin/pools',
        poolBody('cwr-own', { auth: { header: 'x-key', secret } }),
      );
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toMatchObject({ type: 'invalid_request_error', param: 'auth.secret' });
      expect(await storedPool('cwr-own')).toBe(false);
      const patched = await call('PATCH', '/admin/pools/cwr-base', { auth: { header: 'x-key', secret } });
      expect(patched.status).toBe(400);
    },
  );

  it('accepts a well-formed origin auth naming a secret of its own', async () => {
    const res = await call(
      'POST',
      '/admin/pools',
      poolBody('cwr-auth-ok', {
        auth: { header: 'Authorization', secret: 'VLLM_API_KEY', prefix: 'Bearer ' },
      }),
    );
    expect(res.status).toBe(201);
  });

  it.each(['ftp://cwr.test', 'file:///etc/passwd', 'ws://cwr.test', 'mailto:ops@cwr.test'])(
    'refuses an origin url the gateway cannot call: %s',
    async (url) => {
      const res = await call('POST', '/admin/pools', poolBody('cwr-url', { origins: [{ id: 'a', url }] }));
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toMatchObject({ param: 'origins.0.url' });
      expect(await storedPool('cwr-url')).toBe(false);
    },
  );

  it('refuses fields it does not know instead of dropping them silently (a typo must not pass as applied)', async () => {
    const typo = await call('POST', '/admin/pools', poolBody('cwr-typo', { timeout: { totalMs: 5000 } }));
    expect(typo.status).toBe(400);
    expect(await errorOf(typo)).toMatchObject({ type: 'invalid_request_error', param: 'timeout' });
    expect(await storedPool('cwr-typo')).toBe(false);
    const nested = await call('PATCH', '/admin/pools/cwr-base', { timeouts: { totalMS: 5000 } });
    expect(nested.status).toBe(400);
    expect((await errorOf(nested)).param).toBe('timeouts.totalMS');
    const origin = await call('PATCH', '/admin/pools/cwr-base', {
      origins: [{ id: 'a', url: 'http://cwr-base-a.test', capcity: 2 }],
    });
    expect(origin.status).toBe(400);
    expect((await errorOf(origin)).param).toBe('origins.0.capcity');
    // Engine options stay free-form.
    const options = await call('PATCH', '/admin/pools/cwr-base', { options: { anything: { goes: 1 } } });
    expect(options.status).toBe(200);
  });
});

describe('model writes: unknown fields are refused', () => {
  it('refuses context_length (the /v1/models spelling) rather than storing the default 8192', async () => {
    const route = [{ pool: 'cwr-base', engineModel: 'e' }];
    const res = await call('POST', '/admin/models', { id: 'cwr-model', context_length: 4096, routes: route });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ type: 'invalid_request_error', param: 'context_length' });
    expect((await call('GET', '/admin/models/cwr-model')).status).toBe(404);
    expect((await call('POST', '/admin/models', { id: 'cwr-model', routes: route })).status).toBe(201);
    const patched = await call('PATCH', '/admin/models/cwr-model', {
      routes: [{ pool: 'cwr-base', engine_model: 'x', engineModel: 'e' }],
    });
    expect(patched.status).toBe(400);
    expect((await errorOf(patched)).param).toBe('routes.0.engine_model');
  });
});
