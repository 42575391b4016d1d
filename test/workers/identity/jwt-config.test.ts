import { env } from 'cloudflare:workers';
import type { JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { EcoError, errorBody } from '../../../schemas/errors.ts';
import { authenticateJwt } from '../../../workers/auth/jwt-auth.ts';
import type { Env } from '../../../workers/env.ts';
import { idpKeys } from '../helpers/idp-keys.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { call, callWithVars, expectError, jwtRefusal, signTestJwt } from './helpers.ts';

// An ECO_JWT_* value the gateway cannot use is the operator's mistake. Read as "unset" or as some other
// value, it turns into 401s that blame every caller's token (a typo in ECO_JWT_ALGORITHMS leaves no
// algorithm; a JWKS URL without its scheme fetches nothing): it is answered as 500 `jwt_misconfigured`
// naming the variable, so the operator sees the cause.

let es256: CryptoKey;
let jwks: JWK[];

beforeAll(async () => {
  const keys = await idpKeys();
  es256 = keys.signers.ES256!.key;
  jwks = keys.jwks;
});

const withVars = (vars: Record<string, unknown>) => ({ ...env, ...vars }) as unknown as Env;
const hsToken = () => signTestJwt({ sub: 'config-user' });
const esToken = () => signTestJwt({ sub: 'config-user' }, { alg: 'ES256', kid: 'ec-1', key: es256 });

function serveJwks() {
  mockOrigin('idp.test', () => Response.json({ keys: jwks }));
}

function expectMisconfigured(err: EcoError | undefined, variable: string, named?: string) {
  expect(err).toBeInstanceOf(EcoError);
  expect({ status: err?.status, code: err?.code }).toEqual({ status: 500, code: 'jwt_misconfigured' });
  expect(err?.message).toContain(variable);
  if (named !== undefined) expect(err?.message).toContain(named);
  expect(errorBody(err as EcoError).error.type).toBe('server_error');
}

describe('ECO_JWT_ALGORITHMS', () => {
  for (const [what, value, named] of [
    ['a typo', 'RS265', "'RS265'"],
    ['a typo among good names', 'HS256, RS256, ES265', "'ES265'"],
    ['another case', 'hs256', "'hs256'"],
    ['none', 'none', "'none'"],
  ] as const) {
    it(`naming ${what} is a 500 naming the variable and the value, for tokens of either key source`, async () => {
      serveJwks();
      for (const token of [await hsToken(), await esToken()]) {
        expectMisconfigured(
          await jwtRefusal(token, withVars({ ECO_JWT_ALGORITHMS: value })),
          'ECO_JWT_ALGORITHMS',
          named,
        );
      }
    });
  }

  it('that leaves the only configured key source without an algorithm is a 500', async () => {
    serveJwks();
    const secretOnly = { ECO_JWT_JWKS_URL: undefined, ECO_JWT_ALGORITHMS: 'RS256,ES256' };
    expectMisconfigured(
      await jwtRefusal(await hsToken(), withVars(secretOnly)),
      'ECO_JWT_ALGORITHMS',
      'ECO_JWT_SECRET',
    );
    const jwksOnly = { ECO_JWT_SECRET: undefined, ECO_JWT_ALGORITHMS: 'HS256' };
    expectMisconfigured(
      await jwtRefusal(await esToken(), withVars(jwksOnly)),
      'ECO_JWT_ALGORITHMS',
      'ECO_JWT_JWKS_URL',
    );
  });

  it('accepts supported names with spaces and empty entries, and still refuses algorithms left out', async () => {
    serveJwks();
    const vars = withVars({ ECO_JWT_ALGORITHMS: ' ES256 ,, HS512 ' });
    expect((await authenticateJwt(vars, await esToken())).keyId).toBe('jwt:jwt/config-user');
    // Both key sources still have an algorithm: an HS256 token is the caller's to fix (401), not a 500.
    expect(await jwtRefusal(await hsToken(), vars)).toMatchObject({
      status: 401,
      code: 'jwt_alg_not_allowed',
    });
    const hs512 = await signTestJwt({ sub: 'config-user' }, { alg: 'HS512' });
    expect((await authenticateJwt(vars, hs512)).kind).toBe('jwt');
  });

  it('answers the 500 over HTTP in the API error shape', async () => {
    const res = await callWithVars({ ECO_JWT_ALGORITHMS: 'RS265' }, '/v1/models', await hsToken());
    await expectError(res, 500, 'jwt_misconfigured');
  });
});

describe('numeric ECO_JWT_* values', () => {
  for (const [variable, value] of [
    ['ECO_JWT_CLOCK_SKEW_S', '30s'],
    ['ECO_JWT_CLOCK_SKEW_S', 'thirty'],
    ['ECO_JWT_CLOCK_SKEW_S', '-5'],
    ['ECO_JWT_CLOCK_SKEW_S', '1.5'],
    // Milliseconds where seconds are meant: 8 hours of tolerance on expired tokens.
    ['ECO_JWT_CLOCK_SKEW_S', '30000'],
    ['ECO_JWT_MAX_BYTES', '8k'],
    ['ECO_JWT_MAX_BYTES', '100'],
    ['ECO_JWT_MAX_BYTES', '65536'],
  ] as const) {
    it(`${variable}=${JSON.stringify(value)} is a 500 naming the variable and the value`, async () => {
      expectMisconfigured(
        await jwtRefusal(await hsToken(), withVars({ [variable]: value })),
        variable,
        `'${value}'`,
      );
    });
  }

  it('apply whole numbers in range', async () => {
    const now = Math.floor(Date.now() / 1000);
    const lateBy = async (s: number, skew: string) =>
      jwtRefusal(
        await signTestJwt({ sub: 'config-user' }, { exp: now - s }),
        withVars({ ECO_JWT_CLOCK_SKEW_S: skew }),
      );
    expect(await lateBy(100, '120')).toBeUndefined();
    expect(await lateBy(100, '0')).toMatchObject({ status: 401, code: 'jwt_expired' });
    expect(await lateBy(100, ' 45 ')).toMatchObject({ status: 401, code: 'jwt_expired' });
    const big = await signTestJwt({ sub: 'config-user', pad: 'x'.repeat(600) });
    expect(await jwtRefusal(big, withVars({ ECO_JWT_MAX_BYTES: '512' }))).toMatchObject({
      status: 401,
      code: 'jwt_too_large',
    });
    expect(await jwtRefusal(big, withVars({ ECO_JWT_MAX_BYTES: '' }))).toBeUndefined();
  });

  // wrangler.toml `ECO_JWT_MAX_BYTES = 512` binds the number 512, not the string: read like the settings
  // table reads numbers, never as unset (which would silently allow 8 KiB tokens again).
  it('apply TOML numbers as they apply digits', async () => {
    const big = await signTestJwt({ sub: 'config-user', pad: 'x'.repeat(600) });
    expect(await jwtRefusal(big, withVars({ ECO_JWT_MAX_BYTES: 512 }))).toMatchObject({
      status: 401,
      code: 'jwt_too_large',
    });
    const now = Math.floor(Date.now() / 1000);
    const late = await signTestJwt({ sub: 'config-user' }, { exp: now - 100 });
    expect(await jwtRefusal(late, withVars({ ECO_JWT_CLOCK_SKEW_S: 120 }))).toBeUndefined();
    expect(await jwtRefusal(late, withVars({ ECO_JWT_CLOCK_SKEW_S: 0 }))).toMatchObject({
      code: 'jwt_expired',
    });
  });

  for (const [variable, value, named] of [
    ['ECO_JWT_MAX_BYTES', 65_536, '65536'],
    ['ECO_JWT_CLOCK_SKEW_S', 1.5, '1.5'],
    ['ECO_JWT_CLOCK_SKEW_S', true, 'true'],
    ['ECO_JWT_CLOCK_SKEW_S', ['30'], 'a list'],
  ] as const) {
    it(`${variable}=${JSON.stringify(value)} (not a string) is a 500 too, never the default`, async () => {
      expectMisconfigured(
        await jwtRefusal(await hsToken(), withVars({ [variable]: value })),
        variable,
        `is ${named}, not a whole number`,
      );
    });
  }

  it('are checked for the gateway’s own access tokens too, which use them', async () => {
    const key = await seedKey({ scopes: ['inference'] });
    const res = await call('/v1/auth/token', key, { method: 'POST', body: {} });
    const { access_token } = (await res.json()) as { access_token: string };
    expect((await authenticateJwt(env, access_token)).kind).toBe('jwt');
    expectMisconfigured(
      await jwtRefusal(access_token, withVars({ ECO_JWT_CLOCK_SKEW_S: 'abc' })),
      'ECO_JWT_CLOCK_SKEW_S',
    );
  });
});

describe('ECO_JWT_JWKS_URL and ECO_JWT_ISSUER', () => {
  for (const value of [
    'idp.test/.well-known/jwks.json',
    'ftp://idp.test/jwks.json',
    'not a url',
    'https://',
  ]) {
    it(`a JWKS URL ${JSON.stringify(value)} is a 500 saying it is not an http(s) URL`, async () => {
      const err = await jwtRefusal(await esToken(), withVars({ ECO_JWT_JWKS_URL: value }));
      expectMisconfigured(err, 'ECO_JWT_JWKS_URL', 'http(s) URL');
      // The value itself is not repeated to callers (a secret pasted into the wrong variable stays unseen).
      expect(err?.message).not.toContain(value);
    });
  }

  for (const [what, value] of [
    ['a comma list', 'https://idp.test/,https://other.test/'],
    ['quotes', '"https://idp.test/"'],
    ['a space', 'https://idp.test/ tenant'],
    ['a colon without being a URI', ':idp'],
  ] as const) {
    it(`an issuer holding ${what} is a 500 naming the variable`, async () => {
      expectMisconfigured(
        await jwtRefusal(await hsToken(), withVars({ ECO_JWT_ISSUER: value })),
        'ECO_JWT_ISSUER',
      );
    });
  }

  it('accepts the usual issuer forms', async () => {
    for (const iss of ['https://idp.test/', 'accounts.google.com', 'urn:example:idp']) {
      const token = await signTestJwt({ sub: 'config-user' }, { iss });
      expect(await jwtRefusal(token, withVars({ ECO_JWT_ISSUER: iss }))).toBeUndefined();
    }
  });

  it('does not turn a malformed token into a 500', async () => {
    const err = await jwtRefusal(
      'eyJhbGciOiJIUzI1NiJ9.bm90LWpzb24.c2ln',
      withVars({ ECO_JWT_ALGORITHMS: 'RS265' }),
    );
    expect(err).toMatchObject({ status: 401, code: 'jwt_malformed' });
  });
});

// wrangler.toml binds `= 123` as a number and `= ["a", "b"]` as a list. Text values read as unset would
// quietly stop checking a token's issuer or audience: a list of names is taken, anything else is a 500.
describe('ECO_JWT_* text values that are not text', () => {
  for (const [variable, value, named] of [
    ['ECO_JWT_ISSUER', 123, '123'],
    ['ECO_JWT_AUDIENCE', 5, '5'],
    ['ECO_JWT_AUDIENCE', { aud: 'x' }, 'an object'],
    ['ECO_JWT_ALGORITHMS', true, 'true'],
    ['ECO_JWT_JWKS_URL', ['http://idp.test/'], 'a list'],
    ['ECO_JWT_SECRET', 42, '42'],
    ['ECO_JWT_DEFAULT_TENANT', 7, '7'],
  ] as const) {
    it(`${variable}=${JSON.stringify(value)} is a 500 naming it, never unset`, async () => {
      expectMisconfigured(
        await jwtRefusal(await hsToken(), withVars({ [variable]: value })),
        variable,
        `is ${named}, not`,
      );
    });
  }

  it('ECO_JWT_AUDIENCE as a TOML list of names is the audience list', async () => {
    const vars = withVars({ ECO_JWT_AUDIENCE: ['other-app', 'eco-gateway-test'] });
    expect(await jwtRefusal(await hsToken(), vars)).toBeUndefined();
    const elsewhere = await signTestJwt({ sub: 'config-user' }, { aud: 'third-app' });
    expect(await jwtRefusal(elsewhere, vars)).toMatchObject({ status: 401, code: 'jwt_wrong_audience' });
  });

  it('ECO_JWT_ALGORITHMS as a TOML list of names is the allow-list', async () => {
    expect(await jwtRefusal(await hsToken(), withVars({ ECO_JWT_ALGORITHMS: ['HS256'] }))).toBeUndefined();
    expectMisconfigured(
      await jwtRefusal(await hsToken(), withVars({ ECO_JWT_ALGORITHMS: ['RS265'] })),
      'ECO_JWT_ALGORITHMS',
      "'RS265'",
    );
  });

  it('ECO_JWT_SIGNING_SECRET that is not text is a 500 on exchange', async () => {
    const key = await seedKey({ scopes: ['inference'] });
    const res = await callWithVars({ ECO_JWT_SIGNING_SECRET: 12345678 }, '/v1/auth/token', key, {
      method: 'POST',
      body: {},
    });
    await expectError(res, 500, 'jwt_misconfigured');
  });
});

describe('token exchange settings', () => {
  for (const value of ['15m', '10', '604800']) {
    it(`ECO_JWT_TOKEN_TTL_S=${JSON.stringify(value)} is a 500 on exchange instead of another lifetime`, async () => {
      const key = await seedKey({ scopes: ['inference'] });
      const res = await callWithVars({ ECO_JWT_TOKEN_TTL_S: value }, '/v1/auth/token', key, {
        method: 'POST',
        body: {},
      });
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect({ status: res.status, code: body.error.code }).toEqual({
        status: 500,
        code: 'jwt_misconfigured',
      });
      expect(body.error.message).toContain('ECO_JWT_TOKEN_TTL_S');
      expect(body.error.message).toContain(`'${value}'`);
    });
  }

  it('ECO_JWT_TOKEN_TTL_S as a TOML number is the lifetime, and out of range a 500', async () => {
    const key = await seedKey({ scopes: ['inference'] });
    const exchange = (ttl: number) =>
      callWithVars({ ECO_JWT_TOKEN_TTL_S: ttl }, '/v1/auth/token', key, { method: 'POST', body: {} });
    const res = await exchange(300);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { expires_in: number }).expires_in).toBe(300);
    await expectError(await exchange(604_800), 500, 'jwt_misconfigured');
  });

  it('ECO_JWT_SIGNING_SECRET shorter than 32 characters is a 500, not a silent switch to the derived key', async () => {
    const key = await seedKey({ scopes: ['inference'] });
    const short = { ECO_JWT_SIGNING_SECRET: 'only-twenty-chars-xx' };
    const res = await callWithVars(short, '/v1/auth/token', key, { method: 'POST', body: {} });
    await expectError(res, 500, 'jwt_misconfigured');
    // Tokens bought before the change are refused the same way rather than checked against another key.
    const minted = await call('/v1/auth/token', key, { method: 'POST', body: {} });
    const { access_token } = (await minted.json()) as { access_token: string };
    expectMisconfigured(await jwtRefusal(access_token, withVars(short)), 'ECO_JWT_SIGNING_SECRET');
    const err = await jwtRefusal(access_token, withVars(short));
    expect(err?.message).not.toContain('only-twenty-chars-xx');
  });
});
