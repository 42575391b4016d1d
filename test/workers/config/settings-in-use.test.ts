import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { asEcoError } from '../../../schemas/errors.ts';
import { createApp } from '../../../workers/app.ts';
import { settings } from '../../../workers/config/read-settings.ts';
import type { Env } from '../../../workers/env.ts';
import { reserveForId } from '../../../workers/limits/limit-id.ts';
import { purgeExpiredUsage } from '../../../workers/usage/retention.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

const app = createApp();
let key: string;

beforeAll(async () => {
  key = await seedKey({ scopes: ['inference'] });
  await seedPool(
    {
      name: 'settings-pool',
      protocol: 'vllm',
      origins: [{ id: 'c1', url: 'http://settings-origin.test', capacity: 4, weight: 1 }],
    },
    'settings-model',
  );
});

let errors: MockInstance;
beforeEach(() => {
  errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

/** The gateway as deployed with `vars` on top of the test bindings. */
async function callWithVars(
  vars: Record<string, unknown>,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.request(path, init, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

interface Readiness {
  status: string;
  checks: Record<string, { ok: boolean; detail?: string; problems?: { name: string; problem: string }[] }>;
}

describe('GET /ready', () => {
  it('is ready with the configured settings, and says the settings were checked', async () => {
    const res = await callWithVars({}, '/ready');
    const body = (await res.json()) as Readiness;
    expect(res.status).toBe(200);
    expect(body.checks.settings).toEqual({ ok: true });
  });

  it('answers 503 naming each unusable setting and what is wrong with it', async () => {
    const res = await callWithVars(
      { ECO_KEY_CACHE_TTL_MS: '10s', ECO_LIMIT_RESERVATION_TTL_MS: '0', ECO_DOCS_ENABLED: 'yes' },
      '/ready',
    );
    expect(res.status).toBe(503);
    const body = (await res.json()) as Readiness;
    expect(body.status).toBe('not_ready');
    expect(body.checks.d1?.ok).toBe(true);
    expect(body.checks.settings?.ok).toBe(false);
    expect(body.checks.settings?.problems?.map((p) => p.name)).toEqual([
      'ECO_KEY_CACHE_TTL_MS',
      'ECO_DOCS_ENABLED',
      'ECO_LIMIT_RESERVATION_TTL_MS',
    ]);
    expect(body.checks.settings?.problems?.[0]?.problem).toBe(
      "ECO_KEY_CACHE_TTL_MS is '10s', not a whole number of milliseconds from 0 to 3,600,000; 5,000 is used until it is corrected",
    );
  });

  it('answers 503 for a misspelt setting name, which would otherwise leave the setting at its default', async () => {
    const res = await callWithVars({ ECO_KEY_CACHE_TTL_S: '10' }, '/ready');
    expect(res.status).toBe(503);
    const body = (await res.json()) as Readiness;
    expect(body.checks.settings?.problems).toEqual([
      {
        name: 'ECO_KEY_CACHE_TTL_S',
        problem: 'ECO_KEY_CACHE_TTL_S is not a setting the gateway reads; did you mean ECO_KEY_CACHE_TTL_MS?',
      },
    ]);
  });

  it('never shows a secret pasted into a setting', async () => {
    const secret = 'eco_sk_live_0123456789abcdefghijklmnopqrstuv';
    const res = await callWithVars({ ECO_STREAM_HOLD_MS: secret }, '/ready');
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).toContain('ECO_STREAM_HOLD_MS is a value, not a whole number');
    expect(text).not.toContain('eco_sk_live');
  });
});

describe('GET /ready and the secrets', () => {
  it('is ready with the test secrets, and says the credentials were checked', async () => {
    const body = (await (await callWithVars({}, '/ready')).json()) as Readiness;
    expect(body.checks.credentials).toEqual({ ok: true });
  });

  it.each([
    ['unset', undefined],
    ['too short', 'short-secret'],
  ])('answers 503 while ECO_INTERNAL_SECRET is %s, which jobs and IM replies need', async (_, value) => {
    const res = await callWithVars({ ECO_INTERNAL_SECRET: value }, '/ready');
    expect(res.status).toBe(503);
    const text = await res.text();
    const body = JSON.parse(text) as Readiness;
    expect(body.checks.settings).toEqual({ ok: true });
    expect(body.checks.credentials?.ok).toBe(false);
    expect(body.checks.credentials?.problems?.map((p) => p.name)).toEqual(['ECO_INTERNAL_SECRET']);
    expect(body.checks.credentials?.problems?.[0]?.problem).toContain('internal_auth_unconfigured');
    if (value) expect(text).not.toContain(value);
  });

  it('names an unusable signing secret, token lifetime and JWT verification vars, never their values', async () => {
    const signing = 'too-short-signing-secret';
    const res = await callWithVars(
      {
        ECO_JWT_SIGNING_SECRET: signing,
        ECO_JWT_TOKEN_TTL_S: '5',
        ECO_JWT_SECRET: 'a-provider-secret-long-enough-for-hs256-0123',
        ECO_JWT_ALGORITHMS: 'HS256,none',
      },
      '/ready',
    );
    expect(res.status).toBe(503);
    const text = await res.text();
    const body = JSON.parse(text) as Readiness;
    expect(body.checks.credentials?.problems?.map((p) => p.name)).toEqual([
      'ECO_JWT_SIGNING_SECRET',
      'ECO_JWT_TOKEN_TTL_S',
      'ECO_JWT_ALGORITHMS',
    ]);
    expect(text).not.toContain(signing);
    expect(text).not.toContain('a-provider-secret');
  });
});

/** The one configuration_error line logged so far, parsed (other files' background work may log too). */
function onlyLogLine(): unknown {
  const lines = errors.mock.calls
    .map((args) => args.map(String).join(' '))
    .filter((line) => line.includes('"configuration_error"'));
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

describe('an unusable setting', () => {
  it('is logged once per isolate as one structured line, however many requests read it', async () => {
    const vars = { ECO_JOB_SHARDS: 'four-once' };
    for (let i = 0; i < 3; i++) expect((await callWithVars(vars, '/health')).status).toBe(200);
    expect((await callWithVars({ ...vars }, '/ready')).status).toBe(503);
    // The shape every configuration_error line has (workers/http/operator-fault.ts writes the same).
    expect(onlyLogLine()).toEqual({
      level: 'error',
      event: 'configuration_error',
      code: 'setting_unusable',
      variable: 'ECO_JOB_SHARDS',
      message:
        "ECO_JOB_SHARDS is 'four-once', not a whole number of shards from 1 to 256; 4 is used until it is corrected",
      request_id: null,
    });
  });

  it('a misspelt setting name is logged in the same shape, under its own code', async () => {
    const vars = { ECO_STREAM_HOLD_MSS: '250' };
    expect((await callWithVars(vars, '/health')).status).toBe(200);
    expect(onlyLogLine()).toMatchObject({
      code: 'setting_misspelt',
      variable: 'ECO_STREAM_HOLD_MSS',
      message: 'ECO_STREAM_HOLD_MSS is not a setting the gateway reads; did you mean ECO_STREAM_HOLD_MS?',
      request_id: null,
    });
  });

  it('is parsed once per env object: the request path reads a cached, frozen table', () => {
    const vars = { ...env, ECO_STREAM_HOLD_MS: '250' };
    const first = settings(vars);
    expect(settings(vars)).toBe(first);
    expect(first.ECO_STREAM_HOLD_MS).toBe(250);
    expect(Object.isFrozen(first)).toBe(true);
  });
});

describe('settings in use', () => {
  it('keep concurrency slots held when the reservation TTL is unusable (0 used to free them at once)', async () => {
    const vars = { ...env, ECO_LIMIT_RESERVATION_TTL_MS: '0' } as unknown as Env;
    const limits = { maxConcurrent: 1 };
    const id = `ttl-zero-${crypto.randomUUID()}`;
    const first = await reserveForId(vars, id, limits, 'r1', 1);
    const second = await reserveForId(vars, id, limits, 'r2', 1).then(
      () => null,
      (err: unknown) => asEcoError(err),
    );
    expect(second?.status).toBe(429);
    await first.settle(undefined);
  });

  it('delete no usage row while the retention is unusable (it used to fall back to 90 days)', async () => {
    const id = `old-${crypto.randomUUID()}`;
    await env.DB.prepare(
      `INSERT INTO usage_events (id, request_id, key_id, tenant, model, status, latency_ms, created_at) VALUES (?,'r','k','t','m',200,1,?)`,
    )
      .bind(id, Date.now() - 200 * 86_400_000)
      .run();
    expect(await purgeExpiredUsage(env.DB, '365d')).toBe(0);
    const left = await env.DB.prepare('SELECT id FROM usage_events WHERE id = ?').bind(id).first();
    expect(left).toEqual({ id });
  });

  it('take a TOML number as written: ECO_MAX_BODY_BYTES = 2048 refuses a larger body', async () => {
    const body = JSON.stringify({
      model: 'settings-model',
      messages: [{ role: 'user', content: 'x'.repeat(3000) }],
    });
    const res = await callWithVars({ ECO_MAX_BODY_BYTES: 2048 }, '/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
  });

  it('read true and false in any case: ECO_DOCS_ENABLED=False turns the page off', async () => {
    expect((await callWithVars({ ECO_DOCS_ENABLED: 'False' }, '/docs')).status).toBe(404);
    expect((await callWithVars({ ECO_DOCS_ENABLED: false }, '/docs')).status).toBe(404);
    expect((await callWithVars({ ECO_DOCS_ENABLED: 'TRUE' }, '/docs')).status).toBe(200);
  });

  it('turn the docs page off while ECO_DOCS_ENABLED is unusable (it is on unless set)', async () => {
    expect((await callWithVars({ ECO_DOCS_ENABLED: 'off' }, '/docs')).status).toBe(404);
  });

  it('allow CORS credentials for ECO_CORS_CREDENTIALS=TRUE as for true', async () => {
    const res = await callWithVars(
      { ECO_CORS_ORIGINS: 'https://app.test', ECO_CORS_CREDENTIALS: 'TRUE' },
      '/v1/models',
      {
        method: 'OPTIONS',
        headers: { origin: 'https://app.test', 'access-control-request-method': 'GET' },
      },
    );
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  });
});
