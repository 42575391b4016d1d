import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { GATEWAY_AUDIENCE, GATEWAY_ISSUER } from '../../../workers/auth/access-token.ts';
import { checkSettings } from '../../../workers/config/check-settings.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { callWithVars, expectError, signTestJwt } from '../identity/helpers.ts';

// ECO_JWT_* names are checked like every other setting name, and /ready names each secret that is set
// but that the gateway will not (or should not) use, never its value.

// A pool and a model, so that /ready can be ready when the credentials are.
beforeAll(async () => {
  await seedPool(
    {
      name: 'jwt-secrets-ready-pool',
      protocol: 'vllm',
      origins: [{ id: 'c1', url: 'http://jwt-secrets-ready-origin.test', capacity: 4, weight: 1 }],
    },
    'jwt-secrets-ready-model',
  );
});

let errors: MockInstance;
beforeEach(() => {
  errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

interface Readiness {
  status: string;
  checks: Record<
    string,
    {
      ok: boolean;
      problems?: { name: string; problem: string }[];
      warnings?: { name: string; problem: string }[];
    }
  >;
}

async function ready(
  vars: Record<string, unknown>,
): Promise<{ status: number; body: Readiness; text: string }> {
  const res = await callWithVars(vars, '/ready', null);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Readiness, text };
}

describe('a misspelt ECO_JWT_* name', () => {
  it.each([
    ['ECO_JWT_ISSUR', 'ECO_JWT_ISSUER'],
    ['ECO_JWT_AUDIENCES', 'ECO_JWT_AUDIENCE'],
    ['eco_jwt_issuer', 'ECO_JWT_ISSUER'],
    ['ECO_JWT_CLOCK_SKEW', 'ECO_JWT_CLOCK_SKEW_S'],
    ['ECO_JWT_TOKEN_TTL_SECONDS', 'ECO_JWT_TOKEN_TTL_S'],
    ['ECO_JTW_SECRET', 'ECO_JWT_SECRET'],
    // No other var may use the prefix: a name far from every JWT var is still no var the gateway reads.
    ['ECO_JWT_AUD', 'ECO_JWT_AUDIENCE'],
  ])('%s is reported, with the var it probably means (%s)', (name, meant) => {
    expect(checkSettings({ [name]: 'x' })).toEqual([
      { name, problem: `${name} is not a setting the gateway reads; did you mean ${meant}?` },
    ]);
  });

  it('is never confused with the JWT vars the gateway reads, nor with other secrets', () => {
    const vars = {
      ECO_JWT_ALGORITHMS: 'HS256',
      ECO_JWT_AUDIENCE: 'a',
      ECO_JWT_CLOCK_SKEW_S: '30',
      ECO_JWT_DEFAULT_TENANT: 't',
      ECO_JWT_ISSUER: 'i',
      ECO_JWT_JWKS_URL: 'https://idp.test/jwks',
      ECO_JWT_MAX_BYTES: '4096',
      ECO_JWT_SECRET: 's',
      ECO_JWT_SIGNING_SECRET: 's',
      ECO_JWT_TOKEN_TTL_S: '900',
      ECO_METRICS_TOKEN: 'm',
      ECO_BOOTSTRAP_ADMIN_KEY: 'b',
      ECO_IM_SUPPORT_JWT_SECRET: 'bot',
    };
    expect(checkSettings(vars)).toEqual([]);
  });

  it('answers 503 from /ready under checks.settings, where the issuer check would quietly be off', async () => {
    const { status, body } = await ready({ ECO_JWT_ISSUR: 'https://idp.test/' });
    expect(status).toBe(503);
    expect(body.checks.settings?.problems).toEqual([
      {
        name: 'ECO_JWT_ISSUR',
        problem: 'ECO_JWT_ISSUR is not a setting the gateway reads; did you mean ECO_JWT_ISSUER?',
      },
    ]);
  });

  it('is logged as setting_misspelt, naming the var', async () => {
    expect((await callWithVars({ ECO_JWT_AUDIENCE_S: 'gw' }, '/health', null)).status).toBe(200);
    const lines = errors.mock.calls
      .map((args) => args.map(String).join(' '))
      .filter((line) => line.includes('ECO_JWT_AUDIENCE_S'))
      .map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual([
      {
        level: 'error',
        event: 'configuration_error',
        code: 'setting_misspelt',
        variable: 'ECO_JWT_AUDIENCE_S',
        message: 'ECO_JWT_AUDIENCE_S is not a setting the gateway reads; did you mean ECO_JWT_AUDIENCE?',
        request_id: null,
      },
    ]);
  });
});

describe('GET /ready and the bootstrap admin key', () => {
  it.each([
    ['too short', 'eco_sk_short-bootstrap'],
    ['without the eco_sk_ prefix', `sk_${'b'.repeat(48)}`],
  ])('names a key %s, without its value', async (_, value) => {
    const { status, body, text } = await ready({ ECO_BOOTSTRAP_ADMIN_KEY: value });
    expect(status).toBe(503);
    expect(body.checks.credentials?.problems).toEqual([
      {
        name: 'ECO_BOOTSTRAP_ADMIN_KEY',
        problem: expect.stringMatching(/^ECO_BOOTSTRAP_ADMIN_KEY must start with eco_sk_ and be at least 40/),
      },
    ]);
    expect(text).not.toContain(value);
  });

  it('names one that is not text, and passes a usable one or none', async () => {
    const number = await ready({ ECO_BOOTSTRAP_ADMIN_KEY: 12345 });
    expect(number.body.checks.credentials?.problems?.map((p) => p.problem)).toEqual([
      expect.stringMatching(/^ECO_BOOTSTRAP_ADMIN_KEY is not text/),
    ]);
    expect(number.text).not.toContain('12345');
    const usable = await ready({ ECO_BOOTSTRAP_ADMIN_KEY: `eco_sk_${'r'.repeat(40)}` });
    expect(usable.body.checks.credentials).toEqual({ ok: true });
    expect((await ready({ ECO_BOOTSTRAP_ADMIN_KEY: '' })).body.checks.credentials).toEqual({ ok: true });
  });
});

describe('GET /ready and the metrics token', () => {
  it('warns of a token shorter than 32 characters, without its value, and stays ready while /metrics takes it', async () => {
    const token = 'short-ready-metrics-token';
    const { status, body, text } = await ready({ ECO_METRICS_TOKEN: token });
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.checks.credentials).toEqual({
      ok: true,
      warnings: [
        {
          name: 'ECO_METRICS_TOKEN',
          problem: expect.stringMatching(/^ECO_METRICS_TOKEN is shorter than 32 characters/),
        },
      ],
    });
    expect(text).not.toContain(token);
    const scrape = await callWithVars({ ECO_METRICS_TOKEN: token }, '/metrics', token);
    expect(scrape.status).toBe(200);
  });

  it('lists the short token as a warning beside the problems that do make it not ready', async () => {
    const token = 'short-metrics-beside-bootstrap';
    const { status, body } = await ready({
      ECO_METRICS_TOKEN: token,
      ECO_BOOTSTRAP_ADMIN_KEY: 'eco_sk_short-beside-metrics',
    });
    expect(status).toBe(503);
    expect(body.checks.credentials?.ok).toBe(false);
    expect(body.checks.credentials?.problems?.map((p) => p.name)).toEqual(['ECO_BOOTSTRAP_ADMIN_KEY']);
    expect(body.checks.credentials?.warnings?.map((p) => p.name)).toEqual(['ECO_METRICS_TOKEN']);
  });

  it('is not ready for a token that is not text, which /metrics cannot take', async () => {
    const { status, body } = await ready({ ECO_METRICS_TOKEN: 424242 });
    expect(status).toBe(503);
    expect(body.checks.credentials?.problems).toEqual([
      { name: 'ECO_METRICS_TOKEN', problem: expect.stringMatching(/^ECO_METRICS_TOKEN is not text/) },
    ]);
    expect(body.checks.credentials?.warnings).toBeUndefined();
  });

  it('passes a token of 32 characters or more', async () => {
    const { body } = await ready({ ECO_METRICS_TOKEN: 'm'.repeat(32) });
    expect(body.checks.credentials).toEqual({ ok: true });
  });
});

describe("a signing secret that is the identity provider's secret", () => {
  const sameAsProvider = () => ({ ECO_JWT_SIGNING_SECRET: env.ECO_JWT_SECRET });

  it('is named by /ready, without either value', async () => {
    const { status, body, text } = await ready(sameAsProvider());
    expect(status).toBe(503);
    expect(body.checks.credentials?.problems).toEqual([
      {
        name: 'ECO_JWT_SIGNING_SECRET',
        problem: expect.stringMatching(/^ECO_JWT_SIGNING_SECRET equals ECO_JWT_SECRET/),
      },
    ]);
    expect(text).not.toContain(env.ECO_JWT_SECRET as string);
  });

  it('issues no token: 500 jwt_misconfigured', async () => {
    const key = await seedKey({ scopes: ['inference'] });
    const res = await callWithVars(sameAsProvider(), '/v1/auth/token', key, { method: 'POST', body: {} });
    await expectError(res, 500, 'jwt_misconfigured');
  });

  it("accepts no token signed with it, so the provider's secret cannot act as a key", async () => {
    const id = `key_jwt_same_${crypto.randomUUID().slice(0, 8)}`;
    await seedKey({ id, scopes: ['inference'] });
    const forged = await signTestJwt(
      { eco_key_id: id, scope: 'inference', sub: id },
      { iss: GATEWAY_ISSUER, aud: GATEWAY_AUDIENCE },
    );
    const res = await callWithVars(sameAsProvider(), '/v1/models', forged);
    await expectError(res, 500, 'jwt_misconfigured');
  });
});

describe('the log line of token_signing_unconfigured', () => {
  it('names the variable to set', async () => {
    const key = await seedKey({ scopes: ['inference'] });
    const res = await callWithVars(
      { ECO_JWT_SIGNING_SECRET: undefined, ECO_INTERNAL_SECRET: undefined },
      '/v1/auth/token',
      key,
      { method: 'POST', body: {} },
    );
    await expectError(res, 500, 'token_signing_unconfigured');
    const lines = errors.mock.calls
      .map((args) => args.map(String).join(' '))
      .filter((line) => line.includes('"token_signing_unconfigured"'))
      .map((line) => JSON.parse(line) as { variable: unknown });
    expect(lines.map((line) => line.variable)).toEqual(['ECO_JWT_SIGNING_SECRET']);
  });
});

describe('GET /ready and an algorithm list for a JWKS and a secret', () => {
  const mixed = { ECO_JWT_JWKS_URL: 'https://idp-mixed-ready.test/jwks', ECO_JWT_ALGORITHMS: 'HS256' };

  it('passes while ECO_JWT_SECRET is set', async () => {
    const { body } = await ready(mixed);
    expect(body.checks.credentials).toEqual({ ok: true });
  });

  it('names ECO_JWT_ALGORITHMS while the secret is missing, which deploy:check cannot see', async () => {
    const { status, body } = await ready({ ...mixed, ECO_JWT_SECRET: undefined });
    expect(status).toBe(503);
    expect(body.checks.credentials?.problems).toEqual([
      {
        name: 'ECO_JWT_ALGORITHMS',
        problem: expect.stringMatching(
          /^ECO_JWT_ALGORITHMS leaves no algorithm for the configured key source/,
        ),
      },
    ]);
  });
});
