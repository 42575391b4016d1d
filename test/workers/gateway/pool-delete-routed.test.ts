import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { callAs, errorOf } from './admin-call.ts';

// A pool is deleted only while no stored model routes to it: the delete re-checks every model row in
// its own statement, including a row that no longer validates (which the model listing leaves out) and
// one written since the first check.

let admin: string;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  for (const name of ['pdr-used', 'pdr-free'])
    await seedPool({
      name,
      protocol: 'vllm',
      origins: [{ id: 'a', url: `http://${name}.test`, capacity: 2, weight: 1 }],
    });
  // Routed to pdr-used, but invalid elsewhere (its capabilities are not a list): not in /admin/models' list.
  await env.DB.prepare(
    `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, created_at) VALUES ('pdr-broken', '[]', 'test', ?, '"chat"', 8192, 0)`,
  )
    .bind(JSON.stringify([{ pool: 'pdr-used', engineModel: 'e' }]))
    .run();
});

describe('deleting a pool a stored model routes to', () => {
  it('is refused even when that model row no longer validates; the pool stays', async () => {
    const res = await callAs(admin, 'DELETE', '/admin/pools/pdr-used');
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('pool_in_use');
    expect(await env.DB.prepare("SELECT name FROM pools WHERE name = 'pdr-used'").first()).not.toBeNull();
    const audit = await env.DB.prepare(
      "SELECT id FROM audit_log WHERE target = 'pdr-used' AND action LIKE 'pool.delete%'",
    ).all();
    expect(audit.results).toHaveLength(0);
  });

  it('goes through for a pool nothing routes to, audited once', async () => {
    expect((await callAs(admin, 'DELETE', '/admin/pools/pdr-free')).status).toBe(200);
    expect(await env.DB.prepare("SELECT name FROM pools WHERE name = 'pdr-free'").first()).toBeNull();
    expect((await callAs(admin, 'DELETE', '/admin/pools/pdr-free')).status).toBe(404);
  });
});
