import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { authenticateJwt } from '../../../workers/auth/jwt-auth.ts';
import { call, expectError, jwtRefusal, signTestJwt } from './helpers.ts';

// A tenant names Durable Objects, metric labels and log fields: a token's tenant follows the same rule
// as a key's (letters, digits and . _ : - only, at most 100), and one that does not is refused, not
// mapped to some other tenant.

const tokenWith = (claims: Record<string, unknown>) =>
  signTestJwt({ sub: 'tenant-user', scope: 'inference', ...claims });
const refusalOf = async (claims: Record<string, unknown>) => jwtRefusal(await tokenWith(claims));

describe('JWT tenant claims', () => {
  it('are read from eco_tenant, else tenant, else the configured default', async () => {
    expect((await authenticateJwt(env, await tokenWith({ eco_tenant: 'acme.eu:prod-1_a' }))).tenant).toBe(
      'acme.eu:prod-1_a',
    );
    expect((await authenticateJwt(env, await tokenWith({ tenant: 'globex' }))).tenant).toBe('globex');
    expect(
      (await authenticateJwt(env, await tokenWith({ eco_tenant: 'x'.repeat(100) }))).tenant,
    ).toHaveLength(100);
    expect((await authenticateJwt(env, await tokenWith({}))).tenant).toBe('jwt');
  });

  for (const [claim, value, what] of [
    ['eco_tenant', 'a"b', 'a quote'],
    ['eco_tenant', 'a\nb', 'a newline'],
    ['eco_tenant', 'a\\b', 'a backslash'],
    ['eco_tenant', 'a b', 'a space'],
    ['eco_tenant', 'ténant', 'a letter outside ASCII'],
    ['eco_tenant', 'x'.repeat(101), 'more than 100 characters'],
    ['eco_tenant', '', 'nothing'],
    ['eco_tenant', 7, 'a number'],
    ['eco_tenant', ['acme'], 'a list'],
    ['tenant', 'a/b', 'a slash'],
  ] as const) {
    it(`refuse ${claim} holding ${what}, naming the claim`, async () => {
      const err = await refusalOf({ [claim]: value });
      expect({ status: err?.status, code: err?.code }).toEqual({ status: 401, code: 'jwt_claims_invalid' });
      expect(err?.message).toContain(`'${claim}'`);
    });
  }

  it('refuse an invalid eco_tenant even when tenant is valid (no fallback to another tenant)', async () => {
    const err = await refusalOf({ eco_tenant: 'bad tenant', tenant: 'good' });
    expect(err?.code).toBe('jwt_claims_invalid');
  });

  it('answer 401 over HTTP', async () => {
    await expectError(
      await call('/v1/models', await tokenWith({ eco_tenant: 'a\r\nb' })),
      401,
      'jwt_claims_invalid',
    );
  });
});
