import { describe, expect, it } from 'vitest';
import { codeEnvNames } from '../../../scripts/lib/env-table.mjs';
import { unusableVars } from '../../../scripts/lib/unusable-vars.mjs';
import { JWT_VAR_NAMES } from '../../../workers/config/jwt-var-names.ts';
import { ROOT } from './process-helpers.ts';

// What deploy:check refuses in an environment's vars, before the dry run's bundle is even looked at.

const namesOf = (vars: Record<string, unknown>) => unusableVars(vars).map((p) => p.name);

describe('deploy:check on an environment whose vars hold JWT values', () => {
  it.each([
    ['ECO_JWT_CLOCK_SKEW_S', '30s', "ECO_JWT_CLOCK_SKEW_S is '30s', not a whole number of seconds"],
    ['ECO_JWT_TOKEN_TTL_S', '5', "ECO_JWT_TOKEN_TTL_S is '5', not a whole number of seconds from 30"],
    ['ECO_JWT_MAX_BYTES', 100_000, 'ECO_JWT_MAX_BYTES is 100000, not a whole number of bytes'],
    ['ECO_JWT_ISSUER', 'https://a.test/,https://b.test/', 'ECO_JWT_ISSUER holds a comma'],
    ['ECO_JWT_JWKS_URL', 'idp.test/jwks', 'ECO_JWT_JWKS_URL is not an http(s) URL'],
    ['ECO_JWT_ALGORITHMS', 'HS256,none', "ECO_JWT_ALGORITHMS names 'none'"],
    ['ECO_JWT_DEFAULT_TENANT', 'two words', 'ECO_JWT_DEFAULT_TENANT is not a valid tenant name'],
    ['ECO_JWT_AUDIENCE', 42, 'ECO_JWT_AUDIENCE is 42, not a list of names'],
  ])('refuses %s = %j, naming it and why, as the Worker would', (name, value, says) => {
    const problems = unusableVars({ [name]: value });
    expect(problems).toEqual([{ name, problem: expect.stringContaining(says) }]);
  });

  it('refuses misspelt JWT names, which the Worker would never read', () => {
    expect(unusableVars({ ECO_JWT_ISSUR: 'https://idp.test/', ECO_JWT_AUDIENCES: 'gw' })).toEqual([
      {
        name: 'ECO_JWT_ISSUR',
        problem: 'ECO_JWT_ISSUR is not a setting the gateway reads; did you mean ECO_JWT_ISSUER?',
      },
      {
        name: 'ECO_JWT_AUDIENCES',
        problem: 'ECO_JWT_AUDIENCES is not a setting the gateway reads; did you mean ECO_JWT_AUDIENCE?',
      },
    ]);
  });

  it('lists settings and JWT values together, every one of them', () => {
    expect(
      namesOf({
        ECO_JOB_SHARDS: 'x',
        ECO_JWT_CLOCK_SKEW_S: '-1',
        ECO_JWT_MAX_BYTES: '1e3',
        ECO_JWT_TOKEN_TTL_S: '0',
      }),
    ).toEqual(['ECO_JOB_SHARDS', 'ECO_JWT_TOKEN_TTL_S', 'ECO_JWT_CLOCK_SKEW_S', 'ECO_JWT_MAX_BYTES']);
  });

  it('passes the JWT vars wrangler.toml ships, blanks and TOML numbers included', () => {
    expect(
      unusableVars({
        ECO_JWT_ISSUER: '',
        ECO_JWT_AUDIENCE: '',
        ECO_JWT_JWKS_URL: '',
        ECO_JWT_ALGORITHMS: '',
        ECO_JWT_CLOCK_SKEW_S: '30',
        ECO_JWT_TOKEN_TTL_S: 900,
        ECO_JWT_MAX_BYTES: 4096,
        ECO_JWT_DEFAULT_TENANT: 'idp',
      }),
    ).toEqual([]);
  });

  it('judges only what is there: an algorithm list is not refused for a secret that lives elsewhere', () => {
    expect(unusableVars({ ECO_JWT_ALGORITHMS: 'HS512' })).toEqual([]);
  });

  it('passes a JWKS URL with an HMAC-only algorithm list, since ECO_JWT_SECRET may be a Wrangler secret', () => {
    const mixed = { ECO_JWT_JWKS_URL: 'https://idp.example.com/jwks', ECO_JWT_ALGORITHMS: 'HS256' };
    expect(unusableVars(mixed)).toEqual([]);
    expect(unusableVars({ ...mixed, ECO_JWT_CLOCK_SKEW_S: '30s' })).toEqual([
      { name: 'ECO_JWT_CLOCK_SKEW_S', problem: expect.stringContaining("ECO_JWT_CLOCK_SKEW_S is '30s'") },
    ]);
  });

  it('still refuses an algorithm list that is wrong whether or not a secret is set', () => {
    // A secret typed into the vars (not a Wrangler secret) is seen: an RS-only list leaves it nothing.
    expect(
      namesOf({ ECO_JWT_SECRET: 'in-vars-hmac-secret', ECO_JWT_ALGORITHMS: 'RS256', ECO_JWT_JWKS_URL: '' }),
    ).toEqual(['ECO_JWT_ALGORITHMS']);
    expect(
      namesOf({ ECO_JWT_JWKS_URL: 'https://idp.example.com/jwks', ECO_JWT_ALGORITHMS: 'HS256,none' }),
    ).toEqual(['ECO_JWT_ALGORITHMS']);
  });

  it('never repeats a secret pasted into a JWT var', () => {
    const secret = 'eco_sk_live_0123456789abcdefghijklmnopqrstuv';
    const text = JSON.stringify(
      unusableVars({ ECO_JWT_CLOCK_SKEW_S: secret, ECO_JWT_ISSUER: `"${secret}"` }),
    );
    expect(text).toContain('ECO_JWT_CLOCK_SKEW_S');
    expect(text).not.toContain('eco_sk_live');
  });
});

describe('the JWT var names', () => {
  it('are exactly the ECO_JWT_* names the Worker reads', () => {
    const inCode = [...codeEnvNames(ROOT, ['workers']).keys()].filter((n) => n.startsWith('ECO_JWT_'));
    expect(new Set(inCode)).toEqual(new Set(JWT_VAR_NAMES));
  });
});
