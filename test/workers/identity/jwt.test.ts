import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import type { JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { authenticateJwt } from '../../../workers/auth/jwt-auth.ts';
import { resolvePriority } from '../../../workers/pipeline/priority.ts';
import { idpKeys, type Signer } from '../helpers/idp-keys.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import {
  call,
  expectError,
  signTestJwt,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type TestJwtOptions,
} from './helpers.ts';

let signers: Record<string, Signer> = {};
let jwks: JWK[] = [];
let rsaPublicPem = '';
let jwksFetches = 0;

beforeAll(async () => {
  ({ signers, jwks, rsaPublicPem } = await idpKeys());
});

function serveJwks() {
  mockOrigin('idp.test', () => {
    jwksFetches++;
    return Response.json({ keys: jwks });
  });
}

/** An identity-provider token of user-1 (tenant acme); RS256 from the JWKS unless `alg` says otherwise. */
async function token(o: TestJwtOptions & { claims?: Record<string, unknown> } = {}): Promise<string> {
  const { claims, ...options } = o;
  const alg = o.alg ?? 'RS256';
  const signer = signers[alg];
  return signTestJwt(
    { sub: 'user-1', eco_tenant: 'acme', scope: 'inference', ...claims },
    {
      ...options,
      alg,
      ...(alg.startsWith('HS') ? {} : { kid: o.kid ?? signer!.kid, key: o.key ?? signer!.key }),
    },
  );
}

const b64 = (v: unknown) =>
  btoa(JSON.stringify(v)).replaceAll('=', '').replaceAll('+', '-').replaceAll('/', '_');

describe('identity-provider JWTs', () => {
  it('accepts RS256, ES256 and EdDSA from the JWKS and HS256 with the secret, mapping claims', async () => {
    serveJwks();
    for (const alg of ['RS256', 'ES256', 'EdDSA', 'HS256']) {
      const res = await call('/v1/models', await token({ alg }));
      expect({ alg, status: res.status }).toEqual({ alg, status: 200 });
    }
    const principal = await authenticateJwt(
      env,
      await token({
        claims: {
          eco_tenant: 'globex',
          scope: 'openid jobs inference',
          eco_limits: { requests_per_minute: 7 },
          eco_models: ['m1'],
          eco_max_priority: 'critical',
        },
      }),
    );
    expect(principal).toMatchObject({
      kind: 'jwt',
      keyId: 'jwt:globex/user-1',
      tenant: 'globex',
      limits: { requestsPerMinute: 7 },
      allowedModels: ['m1'],
      maxPriority: 'critical',
    });
    expect(principal.scopes.sort()).toEqual(['inference', 'jobs']);
  });

  it('never lets the default priority exceed the maximum the token grants', async () => {
    const capped = async (claims: Record<string, unknown>) => {
      const principal = await authenticateJwt(env, await token({ alg: 'HS256', claims }));
      return resolvePriority(principal, undefined);
    };
    expect(await capped({ eco_max_priority: 'low' })).toBe('low');
    expect(await capped({ eco_priority: 'critical', eco_max_priority: 'normal' })).toBe('normal');
    expect(await capped({ eco_priority: 'low', eco_max_priority: 'critical' })).toBe('low');
    expect(await capped({})).toBe('normal');
    // Values that name no class are refused (jwt-scope-priority.test.ts), never read as the defaults.
  });

  it('enforces the scopes carried by the token', async () => {
    serveJwks();
    await expectError(await call('/admin/keys', await token()), 403, 'insufficient_scope');
    expect((await call('/admin/keys', await token({ claims: { eco_scopes: ['admin'] } }))).status).toBe(200);
  });

  it('rejects every defect with its own 401 code', async () => {
    serveJwks();
    const now = Math.floor(Date.now() / 1000);
    const rs = await token();
    const [h, p] = rs.split('.');
    const cases: [string, string][] = [
      [`${b64({ alg: 'none', typ: 'JWT' })}.${p}.`, 'jwt_unsigned'],
      [`${b64({ alg: 'NONE' })}.${p}.`, 'jwt_unsigned'],
      // Algorithm confusion: HS256 "signed" with the RSA public key as the HMAC secret.
      [await token({ alg: 'HS256', key: new TextEncoder().encode(rsaPublicPem) }), 'jwt_bad_signature'],
      [
        await token({ alg: 'PS256' as string, key: signers.RS256!.key }).catch(
          () => `${b64({ alg: 'PS256', kid: 'rsa-1' })}.${p}.sig`,
        ),
        'jwt_alg_not_allowed',
      ],
      [await token({ exp: now - 120 }), 'jwt_expired'],
      [await token({ nbf: now + 600 }), 'jwt_not_yet_valid'],
      [await token({ iss: 'https://evil.test/' }), 'jwt_wrong_issuer'],
      [await token({ aud: 'someone-else' }), 'jwt_wrong_audience'],
      [await token({ alg: 'RS256', kid: 'rsa-unpublished', key: signers.stray!.key }), 'jwt_unknown_kid'],
      [await token({ exp: null }), 'jwt_claims_invalid'],
      [await token({ claims: { sub: undefined } }), 'jwt_claims_invalid'],
      [
        `${h}.${b64({ sub: 'admin', scope: 'admin', iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: now + 60 })}.${rs.split('.')[2]}`,
        'jwt_bad_signature',
      ],
      [`${h}.bm90LWpzb24.${rs.split('.')[2]}`, 'jwt_malformed'],
      [`eyJhbGciOiJSUzI1NiJ9.${'A'.repeat(9000)}.sig`, 'jwt_too_large'],
    ];
    for (const [credential, code] of cases) {
      const res = await call('/v1/models', credential);
      const body = (await res.json()) as { error: { code: string; type: string } };
      expect({ code, got: body.error.code, status: res.status }).toEqual({ code, got: code, status: 401 });
      expect(body.error.type).toBe('authentication_error');
    }
  });

  it('accepts tokens within the clock skew', async () => {
    serveJwks();
    const now = Math.floor(Date.now() / 1000);
    expect((await call('/v1/models', await token({ exp: now - 10 }))).status).toBe(200);
    expect((await call('/v1/models', await token({ nbf: now + 10 }))).status).toBe(200);
  });

  it('never lets one key family verify the other (algorithm confusion by configuration)', async () => {
    serveJwks();
    const jwksOnly = { ...env, ECO_JWT_SECRET: undefined };
    const secretOnly = { ...env, ECO_JWT_JWKS_URL: undefined };
    await expect(authenticateJwt(jwksOnly, await token({ alg: 'HS256' }))).rejects.toMatchObject({
      status: 401,
      code: 'jwt_alg_not_allowed',
    });
    await expect(authenticateJwt(secretOnly, await token({ alg: 'RS256' }))).rejects.toMatchObject({
      status: 401,
      code: 'jwt_alg_not_allowed',
    });
    await expect(
      authenticateJwt({ ...env, ECO_JWT_ALGORITHMS: 'ES256' }, await token({ alg: 'RS256' })),
    ).rejects.toMatchObject({ code: 'jwt_alg_not_allowed' });
    const none = { ...env, ECO_JWT_SECRET: undefined, ECO_JWT_JWKS_URL: undefined };
    await expect(authenticateJwt(none, await token({ alg: 'HS256' }))).rejects.toMatchObject({
      code: 'jwt_not_accepted',
    });
  });

  it('refuses JWKS tokens while no audience is configured: the key set signs for every app of the provider', async () => {
    serveJwks();
    const noAudience = { ...env, ECO_JWT_AUDIENCE: '' };
    const rs = await token({ alg: 'RS256' });
    await expect(authenticateJwt(noAudience, rs)).rejects.toMatchObject({
      status: 401,
      code: 'jwt_not_accepted',
      message: expect.stringContaining('ECO_JWT_AUDIENCE'),
    });
    // Tokens signed with the gateway's own shared secret are not affected.
    expect((await authenticateJwt(noAudience, await token({ alg: 'HS256' }))).kind).toBe('jwt');
    expect((await authenticateJwt(env, rs)).kind).toBe('jwt');
  });

  it('caches the JWKS instead of fetching it per request', async () => {
    serveJwks();
    const before = jwksFetches;
    for (let i = 0; i < 5; i++)
      expect((await call('/v1/models', await token({ alg: 'ES256' }))).status).toBe(200);
    expect(jwksFetches - before).toBeLessThanOrEqual(1);
  });

  it('answers 401, never 500, to arbitrary JWT-shaped and random credentials (property)', async () => {
    serveJwks();
    const seg = fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/);
    const header = fc.oneof(
      seg,
      fc.constantFrom(
        'eyJhbGciOiJSUzI1NiJ9',
        'eyJhbGciOiJub25lIn0',
        'eyJhbGciOiJIUzI1NiJ9',
        b64({ alg: 'RS256', kid: 'rsa-1' }),
      ),
      fc.jsonValue().map(b64),
    );
    const credential = fc.oneof(
      fc.tuple(header, fc.oneof(seg, fc.jsonValue().map(b64)), seg).map(([a, b, c]) => `${a}.${b}.${c}`),
      fc.stringMatching(/^[!-~]{1,200}$/),
    );
    await fc.assert(
      fc.asyncProperty(credential, async (cred) => {
        const res = await call('/v1/models', cred);
        const body = (await res.json()) as { error?: { code: string } };
        expect(res.status).toBe(401);
        expect(typeof body.error?.code).toBe('string');
      }),
      { numRuns: 150 },
    );
  });
});

describe('POST /v1/auth/token', () => {
  const exchange = (key: string, body?: unknown) =>
    call('/v1/auth/token', key, { method: 'POST', ...(body === undefined ? {} : { body }) });

  it('issues a short-lived JWT that acts as the key and dies with it', async () => {
    const key = await seedKey({ id: 'key_exchange', scopes: ['admin'], tenant: 'acme' });
    const res = await exchange(key, { scopes: ['inference'], ttl_seconds: 60 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; expires_in: number; scope: string };
    expect(body.expires_in).toBe(60);
    expect(body.scope).toBe('inference');
    const jwt = body.access_token;
    const principal = await authenticateJwt(env, jwt);
    expect(principal).toMatchObject({
      kind: 'jwt',
      keyId: 'key_exchange',
      tenant: 'acme',
      scopes: ['inference'],
    });
    expect((await call('/v1/models', jwt)).status).toBe(200);
    await expectError(await call('/admin/keys', jwt), 403, 'insufficient_scope');
    await expectError(await exchange(jwt), 403, 'token_not_exchangeable');

    const revoke = await call('/admin/keys/key_exchange/revoke', key, { method: 'POST' });
    expect(revoke.status).toBe(200);
    await expectError(await call('/v1/models', jwt), 401, 'api_key_revoked');
  });

  it('defaults to the configured TTL and refuses scopes the key lacks', async () => {
    const key = await seedKey({ scopes: ['inference'] });
    const res = await exchange(key);
    expect(((await res.json()) as { expires_in: number }).expires_in).toBe(900);
    await expectError(await exchange(key, { scopes: ['admin'] }), 403, 'insufficient_scope');
    await expectError(await exchange(key, { ttl_seconds: 5 }), 400, 'invalid_request');
  });

  it('refuses forged gateway tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = await signTestJwt(
      { sub: 'key_exchange', eco_key_id: 'key_exchange', scope: 'admin' },
      {
        iss: 'urn:eco:gateway',
        aud: 'urn:eco:gateway',
        exp: now + 60,
        key: new TextEncoder().encode('not-the-gateway-signing-key-0123456789'),
      },
    );
    await expectError(await call('/v1/models', forged), 401, 'jwt_bad_signature');
  });
});
