import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EnginePool } from '../../../durable-objects/engine-pool/engine-pool.ts';
import { seedKey } from '../helpers/seed.ts';
import { callAs } from './gateway-call.ts';

// Admin calls whose pool object fails: a delete whose object keeps its state (config, breakers,
// leases, probes) must not answer `deleted: true`, and an origin action is a 503 in the API's error
// shape, never a bare 500.

let admin: string;
beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
});

const call = (method: string, path: string, body?: unknown) => callAs(admin, method, path, body);

type Method = 'forget' | 'control';
const restores: (() => void)[] = [];
afterEach(() => {
  for (const restore of restores.splice(0)) restore();
});

/** Make `method` of pool `name`'s object throw (that object only; other pools' objects are untouched). */
async function breakObject(name: string, method: Method): Promise<void> {
  const stub = env.ENGINE_POOL.getByName(name);
  const target = stub.id.toString();
  await runInDurableObject(stub, (instance: EnginePool) => {
    const proto = Object.getPrototypeOf(instance) as Record<Method, (...args: unknown[]) => unknown>;
    const original = proto[method];
    proto[method] = function (this: { ctx: DurableObjectState }, ...args: unknown[]) {
      if (this.ctx.id.toString() === target)
        throw new Error('Durable Object reset because its code was updated.');
      return original.apply(this, args);
    };
    restores.push(() => {
      proto[method] = original;
    });
  });
}

const poolBody = (name: string) => ({
  name,
  protocol: 'vllm',
  origins: [{ id: 'a', url: `http://${name}-a.test`, capacity: 2 }],
  health: { enabled: false },
});

describe('a pool object that fails an admin call', () => {
  it('makes the delete a 503 until a DELETE again clears it', async () => {
    const name = 'poaf-delete';
    expect((await call('POST', '/admin/pools', poolBody(name))).status).toBe(201);
    const stub = env.ENGINE_POOL.getByName(name);
    expect((await stub.state()).configKnown).toBe(true);
    await breakObject(name, 'forget');
    const failed = await call('DELETE', `/admin/pools/${name}`);
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('1');
    expect(await failed.json()).toMatchObject({ error: { code: 'pool_unavailable', type: 'server_error' } });
    expect((await stub.state()).configKnown).toBe(true);
    for (const restore of restores.splice(0)) restore();
    // The row is gone; the object's state goes with the next DELETE.
    expect((await call('DELETE', `/admin/pools/${name}`)).status).toBe(404);
    expect((await stub.state()).configKnown).toBe(false);
  });

  it('makes an origin action a 503 pool_unavailable in the error shape', async () => {
    const name = 'poaf-control';
    expect((await call('POST', '/admin/pools', poolBody(name))).status).toBe(201);
    await breakObject(name, 'control');
    const failed = await call('POST', `/admin/pools/${name}/origins/a/isolate`);
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('1');
    expect(await failed.json()).toMatchObject({ error: { code: 'pool_unavailable', type: 'server_error' } });
  });
});
