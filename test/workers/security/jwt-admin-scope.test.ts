import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { authenticateJwt } from '../../../workers/auth/jwt-auth.ts';
import { call, expectError, signTestJwt } from '../identity/helpers.ts';

// `scope` and `scp` carry the identity provider's names for every app it serves: a customer's own
// `admin` role must not make its holders superusers of the gateway. Only `eco_scopes` grants admin.

const tokenOf = (claims: Record<string, unknown>) => signTestJwt({ sub: 'jas-user', ...claims });
const scopesOf = async (claims: Record<string, unknown>) =>
  (await authenticateJwt(env, await tokenOf(claims))).scopes.sort();

describe('admin from an identity provider token', () => {
  it('is not granted by the shared scope or scp claims', async () => {
    expect(await scopesOf({ scope: 'admin' })).toEqual(['inference']);
    expect(await scopesOf({ scp: ['admin', 'jobs'] })).toEqual(['jobs']);
    expect(await scopesOf({ scope: 'openid admin', scp: 'admin governance' })).toEqual(['governance']);
  });

  it('is refused over HTTP when only scope names it', async () => {
    await expectError(
      await call('/admin/keys', await tokenOf({ scope: 'admin' })),
      403,
      'insufficient_scope',
    );
    await expectError(await call('/admin/keys', await tokenOf({ scp: 'admin' })), 403, 'insufficient_scope');
  });

  it('takes names close to admin in the shared claims for another app’s, not for a typo', async () => {
    expect(await scopesOf({ scope: 'Admin amdin admins jobs' })).toEqual(['jobs']);
  });

  it('is granted by eco_scopes, also alongside a shared claim', async () => {
    expect(await scopesOf({ eco_scopes: ['admin'] })).toEqual(['admin']);
    expect(await scopesOf({ scope: 'openid', eco_scopes: 'admin' })).toEqual(['admin']);
    const res = await call('/admin/keys', await tokenOf({ eco_scopes: ['admin'] }));
    expect(res.status).toBe(200);
  });
});
