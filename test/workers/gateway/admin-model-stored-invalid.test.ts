import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { invalidateRegistry } from '../../../workers/data/registry.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { callAs } from './admin-call.ts';

let admin: string;

const call = (method: string, path: string, body?: unknown) => callAs(admin, method, path, body);

/** A models row written by SQL: columns are stored as given, valid or not. */
async function storeRow(id: string, routes: string, capabilities = '["chat"]'): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, created_at) VALUES (?, ?, 'test', ?, ?, 8192, 0)`,
  )
    .bind(id, JSON.stringify([`${id}-alias`]), routes, capabilities)
    .run();
  invalidateRegistry();
}

interface ModelViewBody {
  id: string;
  routes: unknown;
  problems?: string[];
}

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  await seedPool(
    {
      name: 'msi-pool',
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://msi.test', capacity: 4, weight: 1 }],
    },
    'msi-good',
  );
  // No routes (a model needs at least one), and a row whose capabilities are not JSON at all.
  await storeRow('msi-no-routes', '[]');
  await storeRow('msi-not-json', JSON.stringify([{ pool: 'msi-pool', engineModel: 'e' }]), '{not json');
});

describe('a stored model row that no longer validates', () => {
  it('does not take the registry down: the valid models are still served', async () => {
    const res = await call('GET', '/v1/models');
    expect(res.status).toBe(200);
    const ids = ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
    expect(ids).toContain('msi-good');
    expect(ids).not.toContain('msi-not-json');
    expect((await call('GET', '/ready')).status).not.toBe(500);
  });

  it('is listed, marked with its problems, next to the valid models', async () => {
    const res = await call('GET', '/admin/models');
    expect(res.status).toBe(200);
    const byId = new Map(((await res.json()) as { data: ModelViewBody[] }).data.map((m) => [m.id, m]));
    expect(byId.get('msi-good')?.problems).toBeUndefined();
    expect(byId.get('msi-no-routes')?.problems?.join(' ')).toMatch(/routes/);
    expect(byId.get('msi-not-json')?.problems?.join(' ')).toMatch(/capabilities/);
  });

  it('is shown by GET with its problems, not as missing', async () => {
    const res = await call('GET', '/admin/models/msi-no-routes');
    expect(res.status).toBe(200);
    const view = (await res.json()) as ModelViewBody;
    expect(view.routes).toEqual([]);
    expect(view.problems?.join(' ')).toMatch(/routes/);
  });

  it('can be fixed with a PATCH, after which it serves like any model', async () => {
    const res = await call('PATCH', '/admin/models/msi-no-routes', {
      routes: [{ pool: 'msi-pool', engineModel: 'msi-engine' }],
    });
    expect(res.status).toBe(200);
    const fixed = (await res.json()) as ModelViewBody & { aliases: string[] };
    expect(fixed.problems).toBeUndefined();
    expect(fixed.aliases).toEqual(['msi-no-routes-alias']);
    const listed = (await (await call('GET', '/v1/models/msi-no-routes')).json()) as { id: string };
    expect(listed.id).toBe('msi-no-routes');
  });

  it('refuses a PATCH that leaves it invalid, and can be deleted', async () => {
    expect((await call('PATCH', '/admin/models/msi-not-json', { ownedBy: 'x' })).status).toBe(400);
    expect((await call('DELETE', '/admin/models/msi-not-json')).status).toBe(200);
    expect((await call('GET', '/admin/models/msi-not-json')).status).toBe(404);
  });
});
