import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asEcoError } from '../../../schemas/errors.ts';
import type { AppEnv } from '../../../workers/app-env.ts';
import { errorResponse } from '../../../workers/http/error-response.ts';
import { cors } from '../../../workers/middleware/cors.ts';
import { recordUsage } from '../../../workers/usage/record-usage.ts';
import { purgeExpiredUsage } from '../../../workers/usage/retention.ts';
import { UsageBuffer } from '../../../workers/usage/usage-buffer.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import {
  call,
  chatAnswer,
  chatAs,
  chatStreamAnswer,
  expectError,
  forgetBootstrapKey,
  seedVllmPool,
  usageRecord,
  waitFor,
} from './helpers.ts';

const HOST = 'usage-origin.test';

beforeAll(() => seedVllmPool('usage-pool', 'u1', HOST, 'usage-model'));

function origin() {
  mockOrigin(HOST, async (req) => {
    const body = (await req.json()) as { stream?: boolean };
    if (body.stream) {
      return chatStreamAnswer('hi', { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
    }
    return chatAnswer('hi', { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
  });
}

const chat = (key: string, stream: boolean) => chatAs(key, 'usage-model', 'hello', { stream });

interface OwnUsage {
  key_id: string;
  totals: {
    requests: number;
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    streamed_requests: number;
  };
  data: { day: string; model: string; requests: number; total_tokens: number }[];
}

describe('usage', () => {
  it('counts streamed and non-streamed requests alike, per key, model and day', async () => {
    origin();
    const key = await seedKey({ id: 'key_usage', tenant: 'usage-t' });
    for (const stream of [false, true, false, true]) {
      const res = await chat(key, stream);
      expect(res.status).toBe(200);
      await res.text();
    }
    let usage: OwnUsage | undefined;
    await waitFor(async () => {
      usage = (await (await call('/v1/usage', key)).json()) as OwnUsage;
      return usage.totals.requests === 4;
    }, 5000);
    expect(usage!.totals).toMatchObject({
      requests: 4,
      prompt_tokens: 20,
      completion_tokens: 8,
      total_tokens: 28,
      streamed_requests: 2,
    });
    const today = new Date().toISOString().slice(0, 10);
    expect(usage!.data).toEqual([
      expect.objectContaining({ day: today, model: 'usage-model', requests: 4, total_tokens: 28 }),
    ]);

    const admin = await seedKey({ scopes: ['admin'] });
    const grouped = (await (
      await call('/admin/usage?tenant=usage-t&group_by=tenant,key,model', admin)
    ).json()) as {
      data: Record<string, unknown>[];
    };
    expect(grouped.data).toEqual([
      expect.objectContaining({ tenant: 'usage-t', key_id: 'key_usage', model: 'usage-model', requests: 4 }),
    ]);
    await expectError(await call('/admin/usage', key), 403, 'insufficient_scope');
    await expectError(await call('/admin/usage?group_by=password', admin), 400, 'invalid_request');
    await expectError(await call('/v1/usage?start=2026-13-45', key), 400, 'invalid_request');
    // A day the month does not have is refused, not rolled over into the next month.
    await expectError(await call('/v1/usage?start=2026-02-01&end=2026-02-31', key), 400, 'invalid_request');
    await expectError(await call('/v1/usage?start=2020-01-01&end=2026-01-01', key), 400, 'invalid_request');
    const past = (await (await call('/v1/usage?start=2020-01-01&end=2020-01-31', key)).json()) as OwnUsage;
    expect(past.totals.requests).toBe(0);
  });

  it('writes rows in batches: many requests, few D1 statements', async () => {
    // Counted by key: other files' requests may write usage meanwhile.
    const batchRows = () =>
      env.DB.prepare("SELECT COUNT(*) AS n FROM usage_events WHERE key_id = 'key_batch'").first<{
        n: number;
      }>();
    const before = await batchRows();
    const spy = { batches: 0 };
    const db = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === 'batch') {
          return (statements: D1PreparedStatement[]) => {
            spy.batches++;
            return target.batch(statements);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const record = (i: number) => usageRecord(`batch-${i}`, 'key_batch');
    const now = Date.now();
    await Promise.all(Array.from({ length: 120 }, (_, i) => recordUsage(db, record(i), now)));
    // Rows that joined a batch another file's request was waiting out are written when it ends.
    await waitFor(async () => (await batchRows())!.n - before!.n >= 120, 5000);
    const after = await batchRows();
    expect(after!.n - before!.n).toBe(120);
    expect(spy.batches).toBeGreaterThanOrEqual(1);
    expect(spy.batches).toBeLessThanOrEqual(3); // 50 + 50 + 20
  });

  it('buffers by size and age (pure policy)', () => {
    const b = new UsageBuffer<number>(3, 1000);
    expect(b.dueIn(0)).toBe(Number.POSITIVE_INFINITY);
    b.add(1, 100);
    expect(b.dueIn(100)).toBe(1000);
    expect(b.dueIn(900)).toBe(200);
    b.add(2, 900);
    expect(b.dueIn(1100)).toBe(0);
    b.add(3, 950);
    expect(b.dueIn(950)).toBe(0);
    expect(b.drain()).toEqual([1, 2, 3]);
    expect(b.size).toBe(0);
  });

  it('deletes rows older than the retention period', async () => {
    const old = Date.now() - 100 * 86_400_000;
    await env.DB.prepare(
      `INSERT INTO usage_events (id, request_id, key_id, tenant, model, status, latency_ms, created_at) VALUES ('old-1','r','k','t','m',200,1,?), ('new-1','r','k','t','m',200,1,?)`,
    )
      .bind(old, Date.now())
      .run();
    expect(await purgeExpiredUsage(env.DB, '90')).toBeGreaterThanOrEqual(1);
    const left = await env.DB.prepare("SELECT id FROM usage_events WHERE id IN ('old-1','new-1')").all<{
      id: string;
    }>();
    expect(left.results.map((r) => r.id)).toEqual(['new-1']);
  });
});

describe('CORS', () => {
  const ALLOWED = 'http://localhost:5173'; // wrangler.toml's dev ECO_CORS_ORIGINS

  it('answers preflights before auth with methods, headers and max-age', async () => {
    const res = await call('/v1/chat/completions', null, {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('vary')).toContain('Origin');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('refuses other origins and decorates real responses, errors included', async () => {
    const refused = await call('/v1/models', null, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.test', 'access-control-request-method': 'GET' },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const unauth = await call('/v1/models', null, { headers: { origin: ALLOWED } });
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(unauth.headers.get('access-control-expose-headers')).toContain('x-ratelimit-remaining-requests');
    expect(unauth.headers.get('access-control-expose-headers')).toContain('x-eco-refused-by');
    const other = await call('/v1/models', null, { headers: { origin: 'https://evil.test' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('vary')).toContain('Origin');
  });

  it('never pairs credentials with the wildcard', async () => {
    const app = new Hono<AppEnv>();
    app.use('*', cors);
    app.get('/x', (c) => c.text('ok'));
    app.onError((err) => errorResponse(asEcoError(err)));
    const vars = (origins: string) => ({ ...env, ECO_CORS_ORIGINS: origins, ECO_CORS_CREDENTIALS: 'true' });
    const wild = await app.request('/x', { headers: { origin: 'https://a.test' } }, vars('*'));
    expect(wild.headers.get('access-control-allow-origin')).toBe('*');
    expect(wild.headers.get('access-control-allow-credentials')).toBeNull();
    const listed = await app.request(
      '/x',
      { headers: { origin: 'https://a.test' } },
      vars('https://b.test, https://a.test'),
    );
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://a.test');
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true');
    const mixed = await app.request(
      '/x',
      { headers: { origin: 'https://c.test' } },
      vars('*,https://a.test'),
    );
    expect(mixed.headers.get('access-control-allow-origin')).toBe('*');
    expect(mixed.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('bootstrap admin key', () => {
  beforeEach(forgetBootstrapKey);

  it('inserts the secret as an admin key on first use, once; a revoked one stays revoked, a deleted one deleted', async () => {
    const { authenticate } = await import('../../../workers/middleware/auth.ts');
    const secret = `eco_sk_${'b'.repeat(43)}`;
    const app = new Hono<AppEnv>();
    app.use('*', authenticate);
    app.get('/who', (c) => c.json(c.get('principal')));
    app.onError((err) => errorResponse(asEcoError(err)));
    const ctx = {
      waitUntil: () => {},
      passThroughOnException: () => {},
      props: {},
    } as unknown as ExecutionContext;
    const boot = { ...env, ECO_BOOTSTRAP_ADMIN_KEY: secret };
    const ask = (key: string, e: typeof env) =>
      app.request('/who', { headers: { authorization: `Bearer ${key}` } }, e, ctx);

    // Without the secret configured, the key does not exist.
    expect((await ask(secret, env)).status).toBe(401);
    const first = await ask(secret, boot);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ keyId: 'key_bootstrap_admin', scopes: ['admin'] });
    expect((await ask(secret, boot)).status).toBe(200);
    const rows = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM api_keys WHERE id = 'key_bootstrap_admin'",
    ).first<{ n: number }>();
    expect(rows!.n).toBe(1);
    const audit = await env.DB.prepare(
      "SELECT action FROM audit_log WHERE target = 'key_bootstrap_admin'",
    ).all();
    expect(audit.results).toEqual([{ action: 'api_key.bootstrap' }]);
    // Another credential is not promoted.
    expect((await ask(`eco_sk_${'c'.repeat(43)}`, boot)).status).toBe(401);
    await env.DB.prepare("UPDATE api_keys SET revoked_at = 1 WHERE id = 'key_bootstrap_admin'").run();
    const { invalidateKeyCache } = await import('../../../workers/data/api-keys.ts');
    invalidateKeyCache();
    await expectError(await ask(secret, boot), 401, 'api_key_revoked');
    // Deleted (not just revoked) by an admin: the secret does not bring it back.
    const { deleteKey } = await import('../../../workers/auth/key-store.ts');
    await deleteKey({ database: env.DB, actorKeyId: 'key_admin_test' }, 'key_bootstrap_admin');
    await expectError(await ask(secret, boot), 401, 'invalid_api_key');
    const after = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM api_keys WHERE id = 'key_bootstrap_admin'",
    ).first<{ n: number }>();
    expect(after!.n).toBe(0);
  });
});
