import { evictDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditActions } from '../helpers/audit.ts';
import { seedKey } from '../helpers/seed.ts';
import { callAs } from './gateway-call.ts';

let admin: string;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
});

const call = (method: string, path: string, body?: unknown) => callAs(admin, method, path, body);

const origin = (name: string, id: string) => ({ id, url: `http://${name}-${id}.test`, capacity: 4 });

const poolBody = (name: string, ids: string[]) => ({
  name,
  protocol: 'vllm',
  origins: ids.map((id) => origin(name, id)),
  health: { enabled: false },
});

interface View {
  state: { origins: { id: string; breaker: { state: string } }[]; keptIsolations?: string[] } | null;
  origin?: { id: string; removed: boolean; cleared: boolean };
  message?: string;
}

async function breakerOf(name: string, id: string): Promise<string | undefined> {
  const view = (await (await call('GET', `/admin/pools/${name}`)).json()) as View;
  return view.state?.origins.find((o) => o.id === id)?.breaker.state;
}

/** A pool whose origin `b` was isolated and then removed from the config. */
async function removedWhileIsolated(name: string): Promise<void> {
  expect((await call('POST', '/admin/pools', poolBody(name, ['a', 'b']))).status).toBe(201);
  expect((await call('POST', `/admin/pools/${name}/origins/b/isolate`)).status).toBe(200);
  expect((await call('PATCH', `/admin/pools/${name}`, { origins: [origin(name, 'a')] })).status).toBe(200);
}

describe('resetting an origin that was removed from its pool', () => {
  it('clears the isolation it kept, so adding it back at the same URL finds it closed', async () => {
    const name = 'reset-removed';
    await removedWhileIsolated(name);
    const before = (await (await call('GET', `/admin/pools/${name}`)).json()) as View;
    expect(before.state?.keptIsolations).toEqual(['b']);
    const res = await call('POST', `/admin/pools/${name}/origins/b/reset`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as View;
    expect(body.origin).toEqual({ id: 'b', removed: true, cleared: true });
    expect(body.message).toMatch(/no longer in pool 'reset-removed'.*cleared/);
    expect(body.state?.origins.map((o) => o.id)).toEqual(['a']);
    expect(body.state?.keptIsolations).toBeUndefined();
    expect(await auditActions(`${name}/b`)).toEqual(['pool.origin.isolate', 'pool.origin.reset']);
    // Cleared in storage too: a restart does not bring the isolation back.
    await evictDurableObject(env.ENGINE_POOL.getByName(name));
    expect((await call('POST', '/admin/pools', poolBody(name, ['a', 'b']))).status).toBe(200);
    expect(await breakerOf(name, 'b')).toBe('closed');
  });

  it('answers 404 once nothing is kept for it: a second reset, or an id the pool never had', async () => {
    const name = 'reset-removed-twice';
    await removedWhileIsolated(name);
    expect((await call('POST', `/admin/pools/${name}/origins/b/reset`)).status).toBe(200);
    const again = await call('POST', `/admin/pools/${name}/origins/b/reset`);
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('origin_not_found');
    expect((await call('POST', `/admin/pools/${name}/origins/never/reset`)).status).toBe(404);
    expect(await auditActions(`${name}/never`)).toEqual([]);
  });

  it('still refuses to isolate an origin the pool no longer has', async () => {
    const name = 'isolate-removed';
    await removedWhileIsolated(name);
    expect((await call('POST', `/admin/pools/${name}/origins/b/isolate`)).status).toBe(404);
    // The refused isolate left the kept isolation as it was.
    expect((await call('POST', '/admin/pools', poolBody(name, ['a', 'b']))).status).toBe(200);
    expect(await breakerOf(name, 'b')).toBe('isolated');
  });

  it('an origin removed while closed keeps nothing, so its reset is a 404', async () => {
    const name = 'reset-removed-closed';
    expect((await call('POST', '/admin/pools', poolBody(name, ['a', 'b']))).status).toBe(201);
    expect((await call('PATCH', `/admin/pools/${name}`, { origins: [origin(name, 'a')] })).status).toBe(200);
    expect((await call('POST', `/admin/pools/${name}/origins/b/reset`)).status).toBe(404);
  });
});
