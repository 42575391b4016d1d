import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { authenticateJwt } from '../../../workers/auth/jwt-auth.ts';
import { jwtRefusal, signTestJwt } from './helpers.ts';

// A limit under a name the gateway does not know (`requests_per_min`) would be no limit if skipped: a
// token whose `eco_limits` holds one is refused naming it, as a stored key's limits would be.

const tokenWithLimits = (limits: Record<string, unknown>) =>
  signTestJwt({ sub: 'limit-names-user', eco_limits: limits });

describe('JWT limit names', () => {
  for (const [what, limits, name] of [
    ['a misspelt limit', { requests_per_min: 60 }, 'requests_per_min'],
    ['a misspelt limit beside a known one', { tokens_per_day: 1000, maxConcurent: 2 }, 'maxConcurent'],
    ['a limit in another case', { Requests_Per_Minute: 60 }, 'Requests_Per_Minute'],
  ] as const) {
    it(`refuse ${what}, naming it`, async () => {
      const err = await jwtRefusal(await tokenWithLimits(limits));
      expect({ status: err?.status, code: err?.code }).toEqual({ status: 401, code: 'jwt_claims_invalid' });
      expect(err?.message).toContain(`"${name}"`);
      expect(err?.message).toContain('requests_per_minute');
    });
  }

  it('accept every known name, in either spelling', async () => {
    const principal = await authenticateJwt(
      env,
      await tokenWithLimits({
        requests_per_minute: 1,
        tokensPerMinute: 2,
        max_concurrent: 3,
        tokensPerDay: 4,
        tokens_per_month: 5,
      }),
    );
    expect(principal.limits).toEqual({
      requestsPerMinute: 1,
      tokensPerMinute: 2,
      maxConcurrent: 3,
      tokensPerDay: 4,
      tokensPerMonth: 5,
    });
  });
});
