import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { auditActions } from '../helpers/audit.ts';
import { mockOrigin, sseResponse } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { callAs } from './gateway-call.ts';

let admin: string;
let user: string;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  user = await seedKey({ scopes: ['inference'] });
});

const call = (method: string, path: string, body?: unknown, key = admin) => callAs(key, method, path, body);

const poolBody = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  protocol: 'vllm',
  origins: [
    { id: 'a', url: `http://${name}-a.test`, capacity: 4 },
    { id: 'b', url: `http://${name}-b.test`, capacity: 4 },
  ],
  timeouts: { headersMs: 1000, firstTokenMs: 1000, idleMs: 1000, totalMs: 5000 },
  retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
  health: { enabled: false },
  ...extra,
});

const completion = JSON.stringify({
  id: 'x',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

describe('admin pools API', () => {
  it('requires the admin scope', async () => {
    expect((await call('GET', '/admin/pools', undefined, user)).status).toBe(403);
    expect((await exports.default.fetch('http://gw/admin/pools')).status).toBe(401);
  });

  it('creates, replaces, patches and shows a pool with live state; every change is audited', async () => {
    const created = await call('POST', '/admin/pools', poolBody('adm-one'));
    expect(created.status).toBe(201);
    const view = (await created.json()) as {
      config: { breaker: { consecutiveFailures: number } };
      state: { status: string; origins: unknown[] };
    };
    expect(view.config.breaker.consecutiveFailures).toBe(5); // defaults filled in
    expect(view.state.origins).toHaveLength(2);
    expect((await call('POST', '/admin/pools', poolBody('adm-one'))).status).toBe(200);
    const patched = await call('PATCH', '/admin/pools/adm-one', {
      breaker: { consecutiveFailures: 9 },
      slo: { ttftMs: 800 },
    });
    expect(patched.status).toBe(200);
    const got = (await (await call('GET', '/admin/pools/adm-one')).json()) as {
      config: { breaker: { consecutiveFailures: number; cooldownMs: number }; slo: { ttftMs: number } };
      state: {
        queue: { byClass: Record<string, number> };
        origins: { id: string; breaker: { state: string } }[];
      };
    };
    expect(got.config.breaker).toMatchObject({ consecutiveFailures: 9, cooldownMs: 5000 });
    expect(got.config.slo.ttftMs).toBe(800);
    expect(got.state.queue.byClass).toEqual({ critical: 0, high: 0, normal: 0, low: 0 });
    expect(got.state.origins.map((o) => o.breaker.state)).toEqual(['closed', 'closed']);
    const list = (await (await call('GET', '/admin/pools')).json()) as { data: { name: string }[] };
    expect(list.data.map((p) => p.name)).toContain('adm-one');
    expect(await auditActions('adm-one')).toEqual(['pool.create', 'pool.replace', 'pool.update']);
  });

  it('rejects invalid configs with the bad field named, and secrets in origin auth', async () => {
    const bad = await call(
      'POST',
      '/admin/pools',
      poolBody('adm-bad', { origins: [{ id: 'a', url: 'not a url' }] }),
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('origins.0.url');
    const secret = await call(
      'POST',
      '/admin/pools',
      poolBody('adm-secret', { auth: { header: 'authorization', secret: 'X', value: 'sk-live' } }),
    );
    expect(secret.status).toBe(400);
    expect(((await secret.json()) as { error: { code: string } }).error.code).toBe('secret_in_config');
    expect((await call('GET', '/admin/pools/adm-secret')).status).toBe(404);
    expect((await call('PATCH', '/admin/pools/adm-one', { name: 'other' })).status).toBe(400);
  });

  it('refuses a pool whose origins share an id (breakers, leases and probes are keyed by it)', async () => {
    const twice = [
      { id: 'a', url: 'http://adm-dup-1.test' },
      { id: 'a', url: 'http://adm-dup-2.test' },
    ];
    const created = await call('POST', '/admin/pools', poolBody('adm-dup', { origins: twice }));
    expect(created.status).toBe(400);
    expect(((await created.json()) as { error: { param: string } }).error.param).toBe('origins.1.id');
    expect((await call('GET', '/admin/pools/adm-dup')).status).toBe(404);
    expect((await call('POST', '/admin/pools', poolBody('adm-dup'))).status).toBe(201);
    expect((await call('PATCH', '/admin/pools/adm-dup', { origins: twice })).status).toBe(400);
  });

  it('isolates an origin (traffic moves off it) and resets it', async () => {
    await call('POST', '/admin/pools', poolBody('adm-iso'));
    const hits: string[] = [];
    mockOrigin('adm-iso-a.test', () => {
      hits.push('a');
      return new Response(completion, { headers: { 'content-type': 'application/json' } });
    });
    mockOrigin('adm-iso-b.test', () => {
      hits.push('b');
      return new Response(completion, { headers: { 'content-type': 'application/json' } });
    });
    expect(
      (
        await call('POST', '/admin/models', {
          id: 'adm-iso-model',
          routes: [{ pool: 'adm-iso', engineModel: 'e' }],
        })
      ).status,
    ).toBe(201);
    const isolated = await call('POST', '/admin/pools/adm-iso/origins/a/isolate');
    expect(isolated.status).toBe(200);
    const body = (await isolated.json()) as {
      state: { status: string; origins: { id: string; breaker: { state: string } }[] };
    };
    expect(body.state.origins.find((o) => o.id === 'a')?.breaker.state).toBe('isolated');
    expect(body.state.status).toBe('partial');
    for (let i = 0; i < 4; i++) {
      const res = await call('POST', '/v1/chat/completions', {
        model: 'adm-iso-model',
        messages: [{ role: 'user', content: 'x' }],
      });
      expect(res.status).toBe(200);
    }
    expect(hits).toEqual(['b', 'b', 'b', 'b']);
    expect((await call('POST', '/admin/pools/adm-iso/origins/zz/isolate')).status).toBe(404);
    const reset = (await (await call('POST', '/admin/pools/adm-iso/origins/a/reset')).json()) as {
      state: { status: string };
    };
    expect(reset.state.status).toBe('ok');
    expect(await auditActions('adm-iso/a')).toEqual(['pool.origin.isolate', 'pool.origin.reset']);
  });

  it('deletes a pool only when no model routes to it', async () => {
    await call('POST', '/admin/pools', poolBody('adm-del'));
    await call('POST', '/admin/models', {
      id: 'adm-del-model',
      routes: [{ pool: 'adm-del', engineModel: 'e' }],
    });
    const inUse = await call('DELETE', '/admin/pools/adm-del');
    expect(inUse.status).toBe(409);
    expect((await call('DELETE', '/admin/models/adm-del-model')).status).toBe(200);
    expect((await call('DELETE', '/admin/pools/adm-del')).status).toBe(200);
    expect((await call('GET', '/admin/pools/adm-del')).status).toBe(404);
    expect(await auditActions('adm-del')).toEqual(['pool.create', 'pool.delete']);
  });
});

describe('admin models API', () => {
  it('creates, updates and deletes models with aliases, chains, capabilities and context length', async () => {
    await call('POST', '/admin/pools', poolBody('adm-m1'));
    await call('POST', '/admin/pools', poolBody('adm-m2'));
    const created = await call('POST', '/admin/models', {
      id: 'org/adm-model',
      aliases: ['adm-alias'],
      routes: [
        { pool: 'adm-m1', engineModel: 'one' },
        { pool: 'adm-m2', engineModel: 'two' },
      ],
      capabilities: ['chat', 'completion'],
      contextLength: 32768,
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { contextLength: number }).contextLength).toBe(32768);
    expect(
      (
        await call('POST', '/admin/models', {
          id: 'org/adm-model',
          routes: [{ pool: 'adm-m1', engineModel: 'x' }],
        })
      ).status,
    ).toBe(409);
    const aliasClash = await call('POST', '/admin/models', {
      id: 'adm-other',
      aliases: ['adm-alias'],
      routes: [{ pool: 'adm-m1', engineModel: 'x' }],
    });
    expect(aliasClash.status).toBe(409);
    const unknownPool = await call('POST', '/admin/models', {
      id: 'adm-x',
      routes: [{ pool: 'nope', engineModel: 'x' }],
    });
    expect(unknownPool.status).toBe(400);
    expect(((await unknownPool.json()) as { error: { param: string } }).error.param).toBe('routes.0.pool');
    const patched = await call('PATCH', '/admin/models/org/adm-model', {
      routes: [{ pool: 'adm-m2', engineModel: 'two' }],
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { routes: unknown[]; aliases: string[] }).routes).toEqual([
      { pool: 'adm-m2', engineModel: 'two' },
    ]);
    // The alias resolves through the public API right away (this isolate's registry was invalidated).
    const models = (await (await call('GET', '/v1/models')).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toContain('org/adm-model');
    expect((await call('DELETE', '/admin/models/org/adm-model')).status).toBe(200);
    expect((await call('GET', '/admin/models/org/adm-model')).status).toBe(404);
    expect(await auditActions('org/adm-model')).toEqual(['model.create', 'model.update', 'model.delete']);
  });
});

describe('GET /metrics', () => {
  it('needs admin scope (or the metrics token) and reports pool and origin series in Prometheus text', async () => {
    expect((await exports.default.fetch('http://gw/metrics')).status).toBe(401);
    expect((await call('GET', '/metrics', undefined, user)).status).toBe(403);
    await call('POST', '/admin/pools', poolBody('adm-metrics'));
    await call('POST', '/admin/models', {
      id: 'adm-metrics-model',
      routes: [{ pool: 'adm-metrics', engineModel: 'e' }],
    });
    mockOrigin('adm-metrics-a.test', () => sseResponse([], 500));
    mockOrigin(
      'adm-metrics-b.test',
      () => new Response(completion, { headers: { 'content-type': 'application/json' } }),
    );
    for (let i = 0; i < 3; i++)
      await call('POST', '/v1/chat/completions', {
        model: 'adm-metrics-model',
        messages: [{ role: 'user', content: 'x' }],
      });
    // Successful releases reach the pool up to a few milliseconds after the response.
    const text = await vi.waitFor(async () => {
      const res = await call('GET', '/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const body = await res.text();
      expect(body).toMatch(
        /eco_pool_origin_requests_total\{pool="adm-metrics",origin="b",outcome="success"\} 3/,
      );
      return body;
    });
    expect(text).toContain('# TYPE eco_pool_origin_requests_total counter');
    expect(text).toMatch(/eco_pool_origin_breaker_state\{pool="adm-metrics",origin="a",state="closed"\} 1/);
    expect(text).toMatch(
      /eco_pool_origin_request_duration_seconds_bucket\{pool="adm-metrics",origin="b",le="\+Inf"\} 3/,
    );
    expect(text).toMatch(/eco_pool_queue_depth\{pool="adm-metrics",priority="low"\} 0/);
    expect(text).toContain('eco_metrics_source_failures 0');
  });
});
