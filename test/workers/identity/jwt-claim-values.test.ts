import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { EcoError } from '../../../schemas/errors.ts';
import { authenticateJwt } from '../../../workers/auth/jwt-auth.ts';
import { jwtRefusal, signTestJwt } from './helpers.ts';

// A limit claim the gateway cannot read must not leave the subject unlimited: a token whose
// `eco_limits` holds a value no key could be given (a string, zero, a fraction, past the largest
// limit) is refused with a 401 naming the claim, as any other unusable claim.

const tokenWith = (claims: Record<string, unknown>) => signTestJwt({ sub: 'claims-user', ...claims });
const tokenWithLimits = (limits: unknown) => tokenWith({ eco_limits: limits });
const refusalOf = async (claims: Record<string, unknown>) => jwtRefusal(await tokenWith(claims));
const refusal = (limits: unknown) => refusalOf({ eco_limits: limits });

describe('JWT limit claims', () => {
  it('are read in either spelling when valid', async () => {
    const principal = await authenticateJwt(
      env,
      await tokenWithLimits({ requests_per_minute: 7, tokensPerDay: 1000 }),
    );
    expect(principal.limits).toEqual({ requestsPerMinute: 7, tokensPerDay: 1000 });
  });

  for (const [what, limits] of [
    ['a number as text', { requests_per_minute: '60' }],
    ['zero', { max_concurrent: 0 }],
    ['a fraction', { tokens_per_minute: 1.5 }],
    ['past the largest limit', { tokens_per_month: 1e13 }],
    ['a list instead of an object', [60]],
    ['text instead of an object', 'requests_per_minute=60'],
  ] as const) {
    it(`refuse ${what} instead of running without the limit`, async () => {
      const err = await refusal(limits);
      expect(err).toBeInstanceOf(EcoError);
      expect({ status: err?.status, code: err?.code }).toEqual({ status: 401, code: 'jwt_claims_invalid' });
      expect(err?.message).toContain('eco_limits');
    });
  }

  it('leave a token without eco_limits unlimited', async () => {
    expect((await authenticateJwt(env, await tokenWithLimits(undefined))).limits).toEqual({});
    expect((await authenticateJwt(env, await tokenWithLimits(null))).limits).toEqual({});
  });
});

// Likewise a model list the gateway cannot read must not open every model to the subject.
describe('JWT model claims', () => {
  it('are read as a list of model ids', async () => {
    const principal = await authenticateJwt(env, await tokenWith({ eco_models: ['m1', 'm2'] }));
    expect(principal.allowedModels).toEqual(['m1', 'm2']);
    expect((await authenticateJwt(env, await tokenWith({}))).allowedModels).toBeNull();
  });

  for (const [what, models] of [
    ['a single id as text', 'm1'],
    ['a list holding a number', ['m1', 7]],
    ['an object', { m1: true }],
  ] as const) {
    it(`refuse ${what} instead of allowing every model`, async () => {
      const err = await refusalOf({ eco_models: models });
      expect({ status: err?.status, code: err?.code }).toEqual({ status: 401, code: 'jwt_claims_invalid' });
      expect(err?.message).toContain('eco_models');
    });
  }
});
