import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { authenticateJwt } from '../../../workers/auth/jwt-auth.ts';
import { call, expectError, jwtRefusal, signTestJwt } from './helpers.ts';

// Scope and priority claims decide what a subject may do. `scope` and `scp` are shared with every other
// API the identity provider serves, so names that mean nothing here (openid, email, read:orders) are
// ignored; but a near miss of a gateway scope (`inferance`, `Jobs`) is a mistake that would silently
// grant less (or only the default), and `eco_scopes`, `eco_priority` and `eco_max_priority` are the
// gateway's own claims: a value they cannot hold is refused, never read as absent.

const tokenWith = (claims: Record<string, unknown>) => signTestJwt({ sub: 'scope-user', ...claims });
const refusalOf = async (claims: Record<string, unknown>) => jwtRefusal(await tokenWith(claims));

const scopesOf = async (claims: Record<string, unknown>) =>
  (await authenticateJwt(env, await tokenWith(claims))).scopes.sort();

describe('JWT scope claims', () => {
  it('keep the gateway scopes and ignore the names of other APIs', async () => {
    expect(await scopesOf({ scope: 'openid profile email offline_access jobs inference' })).toEqual([
      'inference',
      'jobs',
    ]);
    expect(await scopesOf({ scp: ['read:orders', 'api://other/.default', 'governance'] })).toEqual([
      'governance',
    ]);
    expect(await scopesOf({ scp: 'user.read jobs' })).toEqual(['jobs']);
    expect(await scopesOf({ eco_scopes: ['jobs', 'inference'] })).toEqual(['inference', 'jobs']);
    expect(await scopesOf({ eco_scopes: 'jobs inference' })).toEqual(['inference', 'jobs']);
    // Names only other APIs use: the documented default.
    expect(await scopesOf({ scope: 'openid profile email' })).toEqual(['inference']);
    expect(await scopesOf({})).toEqual(['inference']);
    // Short names of other APIs that sit near no gateway scope are not mistaken for one.
    expect(await scopesOf({ scope: 'read write user job:read api admin:org jobs' })).toEqual(['jobs']);
  });

  for (const [claim, value, named] of [
    ['scope', 'jobs inferance', 'inferance'],
    ['scope', 'openid Inference', 'Inference'],
    ['scp', ['governence'], 'governence'],
    ['scope', 'job', 'job'],
    ['eco_scopes', ['inference', 'billing'], 'billing'],
    ['eco_scopes', 'amdin', 'amdin'],
    ['eco_scopes', 'inference openid', 'openid'],
  ] as const) {
    it(`refuse ${claim} holding ${JSON.stringify(value)}, naming the claim and the value`, async () => {
      const err = await refusalOf({ [claim]: value });
      expect({ status: err?.status, code: err?.code }).toEqual({ status: 401, code: 'jwt_claims_invalid' });
      expect(err?.message).toContain(`'${claim}'`);
      expect(err?.message).toContain(named);
    });
  }

  for (const [claim, value, what] of [
    ['scope', 7, 'a number'],
    ['scope', { inference: true }, 'an object'],
    ['scp', ['inference', 7], 'a list holding a number'],
    ['eco_scopes', [], 'an empty list'],
    ['eco_scopes', '', 'an empty string'],
    ['eco_scopes', true, 'a boolean'],
  ] as const) {
    it(`refuse ${claim} holding ${what} instead of reading it as absent`, async () => {
      const err = await refusalOf({ [claim]: value });
      expect({ status: err?.status, code: err?.code }).toEqual({ status: 401, code: 'jwt_claims_invalid' });
      expect(err?.message).toContain(`'${claim}'`);
    });
  }

  it('refuse a misspelt scope over HTTP in the API error shape', async () => {
    await expectError(
      await call('/v1/models', await tokenWith({ scope: 'inferance' })),
      401,
      'jwt_claims_invalid',
    );
  });
});

describe('JWT priority claims', () => {
  it('read the four classes', async () => {
    const principal = await authenticateJwt(
      env,
      await tokenWith({ eco_priority: 'low', eco_max_priority: 'critical' }),
    );
    expect({ d: principal.defaultPriority, m: principal.maxPriority }).toEqual({ d: 'low', m: 'critical' });
    const absent = await authenticateJwt(env, await tokenWith({ eco_priority: null }));
    expect({ d: absent.defaultPriority, m: absent.maxPriority }).toEqual({ d: 'normal', m: 'high' });
  });

  for (const [claim, value] of [
    ['eco_max_priority', 'lwo'],
    ['eco_max_priority', 'Low'],
    ['eco_max_priority', 7],
    ['eco_max_priority', ''],
    ['eco_priority', 'urgent'],
    ['eco_priority', 'toString'],
    ['eco_priority', ['low']],
  ] as const) {
    it(`refuse ${claim} holding ${JSON.stringify(value)} instead of the default class`, async () => {
      const err = await refusalOf({ [claim]: value });
      expect({ status: err?.status, code: err?.code }).toEqual({ status: 401, code: 'jwt_claims_invalid' });
      expect(err?.message).toContain(`'${claim}'`);
    });
  }
});
