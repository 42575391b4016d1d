import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditActions } from '../helpers/audit.ts';
import { seedKey } from '../helpers/seed.ts';
import { callAs, errorOf } from './admin-call.ts';

let admin: string;

const call = (method: string, path: string, body?: unknown) => callAs(admin, method, path, body);

const route = [{ pool: 'amx-pool', engineModel: 'e' }];

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  const pool = await call('POST', '/admin/pools', {
    name: 'amx-pool',
    protocol: 'vllm',
    origins: [{ id: 'a', url: 'http://amx-a.test', capacity: 1 }],
    health: { enabled: false },
  });
  expect(pool.status).toBe(201);
});

describe('admin models API: untrusted input', () => {
  it.each([
    ['an alias equal to its own id', { id: 'amx-self', aliases: ['amx-self'], routes: route }, 'aliases.0'],
    ['an alias given twice', { id: 'amx-twice', aliases: ['x1', 'x2', 'x1'], routes: route }, 'aliases.2'],
    ['an empty alias', { id: 'amx-empty', aliases: [''], routes: route }, 'aliases.0'],
    ['a huge alias', { id: 'amx-huge', aliases: ['a'.repeat(300)], routes: route }, 'aliases.0'],
    [
      'an empty engine model',
      { id: 'amx-engine', routes: [{ pool: 'amx-pool', engineModel: '' }] },
      'routes.0.engineModel',
    ],
  ])('refuses %s with a 400 naming the field, and stores nothing', async (_, body, param) => {
    const res = await call('POST', '/admin/models', body);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ type: 'invalid_request_error', param });
    expect((await call('GET', `/admin/models/${body.id}`)).status).toBe(404);
    expect(await auditActions(body.id)).toEqual([]);
  });

  it('refuses a patch that would give a model its own id as an alias', async () => {
    expect((await call('POST', '/admin/models', { id: 'amx-p', routes: route })).status).toBe(201);
    const res = await call('PATCH', '/admin/models/amx-p', { aliases: ['amx-p'] });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe('aliases.0');
  });

  it('treats null in a patch as removal: optional fields clear, defaults return, required ones are named', async () => {
    const created = await call('POST', '/admin/models', {
      id: 'amx-null',
      aliases: ['amx-null-alias'],
      source: 'hf://org/model',
      routes: route,
    });
    expect(created.status).toBe(201);
    const cleared = await call('PATCH', '/admin/models/amx-null', { source: null, aliases: null });
    expect(cleared.status).toBe(200);
    const model = (await cleared.json()) as { source?: string; aliases: string[] };
    expect(model.source).toBeUndefined();
    expect(model.aliases).toEqual([]);
    const required = await call('PATCH', '/admin/models/amx-null', { routes: null });
    expect(required.status).toBe(400);
    expect((await errorOf(required)).param).toBe('routes');
    const stored = (await (await call('GET', '/admin/models/amx-null')).json()) as { routes: unknown[] };
    expect(stored.routes).toEqual(route);
    expect(await auditActions('amx-null')).toEqual(['model.create', 'model.update']);
  });

  it('deletes a stored row that no longer validates, so none is out of the API reach', async () => {
    await env.DB.prepare(
      `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, created_at)
       VALUES ('amx-broken', '[]', 'eco', '[]', '["chat"]', 8192, 1)`,
    ).run();
    const res = await call('DELETE', '/admin/models/amx-broken');
    expect(res.status).toBe(200);
    const row = await env.DB.prepare("SELECT id FROM models WHERE id = 'amx-broken'").first();
    expect(row).toBeNull();
    expect(await auditActions('amx-broken')).toEqual(['model.delete']);
  });
});

describe('admin models API: concurrent creates', () => {
  it('two creates of one id at once: one is stored, the other is a 409, nothing is overwritten', async () => {
    const [a, b] = await Promise.all([
      call('POST', '/admin/models', { id: 'amx-race', ownedBy: 'first', routes: route }),
      call('POST', '/admin/models', { id: 'amx-race', ownedBy: 'second', routes: route }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const loser = a.status === 409 ? a : b;
    expect(await errorOf(loser)).toMatchObject({ code: 'model_exists', param: 'id' });
    const winner = a.status === 201 ? 'first' : 'second';
    const stored = (await (await call('GET', '/admin/models/amx-race')).json()) as { owned_by?: string };
    expect(JSON.stringify(stored)).toContain(winner);
    expect(await auditActions('amx-race')).toEqual(['model.create']);
  });

  it('a create never overwrites a stored row, even one that no longer validates', async () => {
    await env.DB.prepare(
      `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, created_at) VALUES ('amx-broken-row', '[]', 'sql', '[]', '["chat"]', 8192, 0)`,
    ).run();
    const res = await call('POST', '/admin/models', { id: 'amx-broken-row', routes: route });
    expect(res.status).toBe(409);
    const row = await env.DB.prepare(`SELECT owned_by FROM models WHERE id = 'amx-broken-row'`).first<{
      owned_by: string;
    }>();
    expect(row?.owned_by).toBe('sql');
  });
});
