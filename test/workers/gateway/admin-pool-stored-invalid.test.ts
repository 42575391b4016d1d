import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { invalidateRegistry } from '../../../workers/data/registry.ts';
import { seedKey } from '../helpers/seed.ts';
import { callAs, errorOf } from './admin-call.ts';

let admin: string;

const call = (method: string, path: string, body?: unknown) => callAs(admin, method, path, body);

/** A pools row written by SQL: `config` is stored as given, valid or not. */
async function storeRow(name: string, config: string): Promise<void> {
  await env.DB.prepare('INSERT INTO pools (name, protocol, config, updated_at) VALUES (?, ?, ?, ?)')
    .bind(name, 'vllm', config, Date.now())
    .run();
  invalidateRegistry();
}

interface PoolViewBody {
  name: string;
  config: Record<string, unknown>;
  problems?: string[];
}

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  expect(
    (
      await call('POST', '/admin/pools', {
        name: 'psi-good',
        protocol: 'vllm',
        origins: [{ id: 'a', url: 'http://psi-good.test' }],
        health: { enabled: false },
      })
    ).status,
  ).toBe(201);
  // No origins (the schema needs at least one), and a row whose config is not JSON at all.
  await storeRow('psi-no-origins', JSON.stringify({ name: 'psi-no-origins', protocol: 'vllm', origins: [] }));
  await storeRow('psi-not-json', '{not json');
});

describe('a stored pool row that no longer validates', () => {
  it('is listed, marked with its problems, next to the valid pools', async () => {
    const res = await call('GET', '/admin/pools');
    expect(res.status).toBe(200);
    const list = (await res.json()) as { data: PoolViewBody[] };
    const byName = new Map(list.data.map((p) => [p.name, p]));
    expect(byName.get('psi-good')?.problems).toBeUndefined();
    expect(byName.get('psi-no-origins')?.problems?.join(' ')).toMatch(/origins/);
    expect(byName.get('psi-not-json')?.problems?.length).toBeGreaterThan(0);
  });

  it('is shown by GET with its problems', async () => {
    const res = await call('GET', '/admin/pools/psi-no-origins');
    expect(res.status).toBe(200);
    const view = (await res.json()) as PoolViewBody;
    expect(view.config.origins).toEqual([]);
    expect(view.problems?.join(' ')).toMatch(/origins/);
  });

  it('can be fixed with a PATCH', async () => {
    const res = await call('PATCH', '/admin/pools/psi-no-origins', {
      origins: [{ id: 'a', url: 'http://psi-fixed.test' }],
      health: { enabled: false },
    });
    expect(res.status).toBe(200);
    const view = (await (await call('GET', '/admin/pools/psi-no-origins')).json()) as PoolViewBody;
    expect(view.problems).toBeUndefined();
    expect(view.config.origins).toMatchObject([{ id: 'a', url: 'http://psi-fixed.test' }]);
  });

  it('can be deleted (audited), after which it is gone', async () => {
    const res = await call('DELETE', '/admin/pools/psi-not-json');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'psi-not-json', deleted: true });
    expect(await env.DB.prepare("SELECT name FROM pools WHERE name = 'psi-not-json'").first()).toBeNull();
    const audit = await env.DB.prepare(
      "SELECT action FROM audit_log WHERE target = 'psi-not-json' AND action = 'pool.delete'",
    ).first();
    expect(audit).not.toBeNull();
    const again = await call('DELETE', '/admin/pools/psi-not-json');
    expect(again.status).toBe(404);
    expect((await errorOf(again)).code).toBe('pool_not_found');
  });

  it('answers an origin action with 409 pool_invalid rather than pretending the pool does not exist', async () => {
    await storeRow('psi-broken', JSON.stringify({ name: 'psi-broken', protocol: 'nope', origins: [] }));
    const res = await call('POST', '/admin/pools/psi-broken/origins/a/reset');
    expect(res.status).toBe(409);
    expect(await errorOf(res)).toMatchObject({ code: 'pool_invalid', type: 'invalid_request_error' });
  });
});
