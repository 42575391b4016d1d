import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { authenticateJwt } from '../../../workers/auth/jwt-auth.ts';
import { call, expectError, jwtRefusal, signTestJwt } from './helpers.ts';

// `sub` becomes the key id `jwt:<tenant>/<sub>`: it names the subject's RateLimiter Durable Object, is stored on
// usage rows and shown in logs and usage answers. Whatever an identity provider calls its subjects must
// keep working; what cannot be stored or shown as it is (control characters, lone surrogates, which
// UTF-8 storage turns into U+FFFD so that two subjects would share one limiter and one usage history,
// bidi controls that make a log line read differently, more than 256 characters) is refused.

const tokenWith = (claims: Record<string, unknown>) => signTestJwt({ scope: 'inference', ...claims });
const refusalOf = async (sub: unknown) => jwtRefusal(await tokenWith({ sub }));

describe('JWT subjects', () => {
  it('one subject in two tenants is two principals: its own limiter and usage in each', async () => {
    const a = await authenticateJwt(env, await tokenWith({ sub: 'shared-user', eco_tenant: 'org-a' }));
    const b = await authenticateJwt(env, await tokenWith({ sub: 'shared-user', eco_tenant: 'org-b' }));
    expect(a.keyId).toBe('jwt:org-a/shared-user');
    expect(b.keyId).toBe('jwt:org-b/shared-user');
    // A tenant may hold ':' but never '/': no other (tenant, subject) pair reaches either id.
    const c = await authenticateJwt(env, await tokenWith({ sub: 'b/shared-user', eco_tenant: 'org' }));
    expect(c.keyId).toBe('jwt:org/b/shared-user');
  });

  for (const sub of [
    '8f14e45f-ceea-467f-a0e6-7b4c1d2f9a10',
    'alice@example.com',
    'auth0|5f7c8ec7c33c6c004bbafe82',
    'google-oauth2|104838519876543210987',
    'https://idp.example.com/users/42',
    'CN=Alice Smith,OU=Eng,O=Acme',
    'Zoë Ångström',
    '山田太郎',
    'user 🚀 1',
    'a',
    'x'.repeat(256),
    '🚀'.repeat(256),
  ]) {
    it(`keep working for ${JSON.stringify(sub.length > 40 ? `${sub.slice(0, 8)}…` : sub)}`, async () => {
      const principal = await authenticateJwt(env, await tokenWith({ sub }));
      expect(principal.keyId).toBe(`jwt:${principal.tenant}/${sub}`);
    });
  }

  for (const [what, sub] of [
    ['a newline', 'alice\nadmin'],
    ['a carriage return', 'alice\r'],
    ['a NUL', 'alice\u0000'],
    ['a tab', 'a\tb'],
    ['an escape sequence', 'a\u001b[31mb'],
    ['DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
    ['a lone high surrogate', 'a\ud800'],
    ['a lone low surrogate', '\udc00b'],
    ['a line separator', 'a\u2028b'],
    ['a bidi override', 'user\u202eevil'],
    ['a bidi isolate', 'user\u2066x\u2069'],
    ['more than 256 characters', 'x'.repeat(257)],
    ['more than 256 characters outside the BMP', '🚀'.repeat(257)],
    ['nothing', ''],
    ['a number', 42],
    ['a list', ['alice']],
  ] as const) {
    it(`refuse one holding ${what}, naming 'sub'`, async () => {
      const err = await refusalOf(sub);
      expect({ status: err?.status, code: err?.code }).toEqual({ status: 401, code: 'jwt_claims_invalid' });
      expect(err?.message).toContain("'sub'");
    });
  }

  it('refuse an unusable subject over HTTP in the API error shape', async () => {
    await expectError(
      await call('/v1/models', await tokenWith({ sub: 'a\ud800' })),
      401,
      'jwt_claims_invalid',
    );
    await expectError(await call('/v1/models', await tokenWith({ sub: 'a\nb' })), 401, 'jwt_claims_invalid');
    const ok = await call('/v1/models', await tokenWith({ sub: 'auth0|Zoë' }));
    expect(ok.status).toBe(200);
  });
});
