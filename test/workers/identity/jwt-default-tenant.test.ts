import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { EcoError, errorBody } from '../../../schemas/errors.ts';
import { authenticateJwt } from '../../../workers/auth/jwt-auth.ts';
import type { Env } from '../../../workers/env.ts';
import { signTestJwt } from './helpers.ts';

// ECO_JWT_DEFAULT_TENANT becomes the tenant of every subject whose token names none: a value keys could
// not have as tenant is a configuration mistake the operator must see, not a tenant to run under.

const tokenWith = (claims: Record<string, unknown>) =>
  signTestJwt({ sub: 'default-tenant-user', scope: 'inference', ...claims });

const withDefault = (value: unknown) => ({ ...env, ECO_JWT_DEFAULT_TENANT: value }) as unknown as Env;

async function outcome(value: unknown, claims: Record<string, unknown> = {}) {
  try {
    return { tenant: (await authenticateJwt(withDefault(value), await tokenWith(claims))).tenant };
  } catch (err) {
    return { err: err as EcoError };
  }
}

describe('ECO_JWT_DEFAULT_TENANT', () => {
  it('is the tenant of tokens that name none, and "jwt" when unset or blank', async () => {
    expect(await outcome('acme.eu:prod-1_a')).toEqual({ tenant: 'acme.eu:prod-1_a' });
    expect(await outcome(undefined)).toEqual({ tenant: 'jwt' });
    expect(await outcome('')).toEqual({ tenant: 'jwt' });
    expect(await outcome('x'.repeat(100))).toEqual({ tenant: 'x'.repeat(100) });
  });

  for (const [what, value] of [
    ['a space', 'acme corp'],
    ['a slash', 'acme/eu'],
    ['a quote', 'acme"'],
    ['a newline', 'acme\nprod'],
    ['a letter outside ASCII', 'ténant'],
    ['more than 100 characters', 'x'.repeat(101)],
  ] as const) {
    it(`holding ${what} is a 500 naming the variable, for every identity-provider token`, async () => {
      for (const claims of [{}, { eco_tenant: 'globex' }]) {
        const { err } = await outcome(value, claims);
        expect(err).toBeInstanceOf(EcoError);
        expect({ status: err?.status, code: err?.code }).toEqual({ status: 500, code: 'jwt_misconfigured' });
        expect(err?.message).toContain('ECO_JWT_DEFAULT_TENANT');
        // The caller is not told the value, only that the configuration is wrong.
        expect(err?.message).not.toContain(value);
        expect(errorBody(err as EcoError).error.type).toBe('server_error');
      }
    });
  }

  it('does not turn a bad token into a 500: the token is judged first', async () => {
    const forged = `${(await tokenWith({})).slice(0, -4)}AAAA`;
    await expect(authenticateJwt(withDefault('acme corp'), forged)).rejects.toMatchObject({
      status: 401,
      code: 'jwt_bad_signature',
    });
  });
});
