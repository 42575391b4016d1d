import { evictDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { PoolCore } from '../../../durable-objects/engine-pool/pool-core.ts';
import type { AcquireRequest } from '../../../durable-objects/engine-pool/types.ts';
import { PoolConfig } from '../../../schemas/config.ts';
import { getPool, savePool } from '../../../workers/admin/config-store.ts';
import { pushPoolConfig } from '../../../workers/admin/pool-live.ts';
import { configStamp, stampConfig } from '../../../workers/data/config-stamp.ts';
import { registry } from '../../../workers/data/registry.ts';
import { admit } from '../../../workers/dispatch/admission.ts';
import { leaseOf } from './pool-stub.ts';

/** An old and a new config of one pool: other origins, capacity and breaker threshold. */
function versions(name: string) {
  const old = PoolConfig.parse({
    name,
    protocol: 'vllm',
    origins: [{ id: 'o1', url: `http://${name}-old.test`, capacity: 1 }],
    breaker: { consecutiveFailures: 5 },
    health: { enabled: false },
  });
  const next = PoolConfig.parse({
    name,
    protocol: 'vllm',
    origins: [
      { id: 'o1', url: `http://${name}-new.test`, capacity: 3 },
      { id: 'o2', url: `http://${name}-new2.test`, capacity: 3 },
    ],
    breaker: { consecutiveFailures: 1 },
    health: { enabled: false },
  });
  return { old, next };
}

let n = 0;
const request = (config: PoolConfig, configKey: string, configVersion: number): AcquireRequest => ({
  pool: config.name,
  config,
  configKey,
  configVersion,
  requestId: `cv-${n++}`,
  tenant: 't',
  priority: 'normal',
  avoid: ['o2'],
});

describe('pool config versions', () => {
  it('the pool core takes an offered config only when it is newer than the one it holds', () => {
    const { old, next } = versions('cv-core');
    const core = new PoolCore(() => 1000);
    expect(core.offer(old, 'old', 0)).toBe(true); // nothing held yet: any version
    expect(core.offer(next, 'new', 5)).toBe(true);
    expect(core.offer(old, 'old', 4)).toBe(false);
    expect(core.offer(old, 'old', 5)).toBe(false); // a tie keeps the config held
    expect(core.offer(old, 'old', undefined as unknown as number)).toBe(false);
    expect(core.config).toBe(next);
    expect(core.configVersion).toBe(5);
  });

  it('every admin write moves the version forward, also within one millisecond', async () => {
    const { old, next } = versions('cv-write');
    const audit = { actorKeyId: null, action: 'pool.update', target: 'cv-write' };
    const versionsSeen: number[] = [];
    for (const config of [old, next, old, next]) {
      const saved = structuredClone(config);
      await savePool(env.DB, saved, audit);
      versionsSeen.push(configStamp(saved).version);
      expect(configStamp(await getPool(env.DB, 'cv-write')).version).toBe(versionsSeen.at(-1));
    }
    for (let i = 1; i < versionsSeen.length; i++)
      expect(versionsSeen[i]).toBeGreaterThan(versionsSeen[i - 1]!);
  });

  it('a stale config offered after a newer one never replaces it, also after a restart', async () => {
    const { old, next } = versions('cv-do');
    const stub = env.ENGINE_POOL.getByName('cv-do');
    const fresh = leaseOf(await stub.acquire(request(next, 'new', 200)));
    await stub.release(fresh.id, { kind: 'success' });

    const stale = await stub.acquire(request(old, 'old', 100));
    // Admitted, under the object's newer config; the caller learns it holds an older one.
    expect(leaseOf(stale).url).toBe('http://cv-do-new.test');
    expect(stale).toMatchObject({ ok: true, configVersion: 200 });
    let state = await stub.state();
    expect(state.configVersion).toBe(200);
    expect(state.origins.map((o) => [o.id, o.capacity])).toEqual([
      ['o1', 3],
      ['o2', 3],
    ]);
    // The newer breaker threshold still holds: one failure opens the circuit.
    await stub.release(leaseOf(stale).id, { kind: 'failure', status: 500 });
    state = await stub.state();
    expect(state.origins.find((o) => o.id === 'o1')?.breaker.state).toBe('open');

    await evictDurableObject(stub);
    const later = leaseOf(await stub.acquire(request(old, 'old', 100)));
    expect(later.url).toBe('http://cv-do-new2.test');
    expect((await stub.state()).configVersion).toBe(200);
    await stub.release(later.id, { kind: 'success' });
  });

  it('an isolate whose registry predates an admin write cannot roll the pool back', async () => {
    const { old, next } = versions('cv-d1');
    const audit = { actorKeyId: null, action: 'pool.update', target: 'cv-d1' };
    await savePool(env.DB, old, audit);
    const stale = (await registry(env.DB)).pools.get('cv-d1')!;
    expect(stale.origins[0]!.url).toBe('http://cv-d1-old.test');
    const base = { tenant: 't', priority: 'normal' as const, avoid: [] as string[] };
    const first = await admit(env, stale, { ...base, requestId: 'cv-d1-1' });
    await first.release({ kind: 'success' });

    // Another isolate's admin write lands in D1 and reaches the object; this isolate's registry
    // cache is not told and still holds `stale`.
    await env.DB.prepare('UPDATE pools SET config = ?, updated_at = updated_at + 1000 WHERE name = ?')
      .bind(JSON.stringify(next), 'cv-d1')
      .run();
    await pushPoolConfig(env, await getPool(env.DB, 'cv-d1'));
    expect((await registry(env.DB)).pools.get('cv-d1')).toBe(stale);
    const second = await admit(env, stale, { ...base, requestId: 'cv-d1-2' });
    expect(second.lease.url).toMatch(/^http:\/\/cv-d1-new2?\.test$/);
    await second.release({ kind: 'success' });
    const state = await env.ENGINE_POOL.getByName('cv-d1').state();
    expect(state.origins.map((o) => o.capacity)).toEqual([3, 3]);
    // Told so by the object, this isolate reloads its registry in the background with its next
    // request instead of waiting out the TTL.
    const background: Promise<unknown>[] = [];
    await registry(env.DB, Date.now(), (work) => background.push(work));
    await Promise.all(background);
    expect((await registry(env.DB)).pools.get('cv-d1')!.origins).toHaveLength(2);
  });

  it('a slot block of an older config is closed when the isolate moves to a newer one', async () => {
    const { old, next } = versions('cv-block');
    const wide = (c: PoolConfig, version: number) =>
      stampConfig({ ...c, origins: c.origins.map((o) => ({ ...o, capacity: 256 })) }, version);
    const v1 = wide(old, 1);
    const v2 = wide(next, 2);
    const base = { tenant: 't', priority: 'normal' as const, avoid: ['o2'] as string[] };
    const waitUntil = (p: Promise<unknown>) => void p.catch(() => {});
    const stub = env.ENGINE_POOL.getByName('cv-block');
    const busy = await admit(env, v1, { ...base, requestId: 'cv-block-1', waitUntil });
    expect(busy.lease.url).toBe('http://cv-block-old.test');
    const held = (await stub.state()).inFlight;
    expect(held).toBeGreaterThan(1); // a block, not a single slot
    const fresh = await admit(env, v2, { ...base, requestId: 'cv-block-2', waitUntil });
    expect(fresh.lease.url).toBe('http://cv-block-new.test');
    // The old block keeps only its busy slot; the new block holds its own.
    await vi.waitFor(async () => expect((await stub.state()).inFlight).toBe(1 + held));
    await busy.release({ kind: 'success' });
    await fresh.release({ kind: 'success' });
  });
});
