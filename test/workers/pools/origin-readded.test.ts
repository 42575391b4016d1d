import { evictDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { EnginePool } from '../../../durable-objects/engine-pool/engine-pool.ts';
import { PoolConfig } from '../../../schemas/config.ts';
import { leaseOf } from './pool-stub.ts';

let n = 0;
let version = 1;

function config(name: string, origins: { id: string; url: string }[]): PoolConfig {
  return PoolConfig.parse({
    name,
    protocol: 'vllm',
    origins: origins.map((o) => ({ ...o, capacity: 4 })),
    breaker: { consecutiveFailures: 2, cooldownMs: 60_000, halfOpenProbes: 1, successesToClose: 1 },
    health: { enabled: false },
  });
}

async function push(stub: DurableObjectStub<EnginePool>, c: PoolConfig): Promise<void> {
  version++;
  await stub.configure(c, `${c.name}-v${version}`, version);
}

async function breakerOf(stub: DurableObjectStub<EnginePool>, id: string): Promise<string | undefined> {
  return (await stub.state()).origins.find((o) => o.id === id)?.breaker.state;
}

async function trip(stub: DurableObjectStub<EnginePool>, c: PoolConfig, id: string): Promise<void> {
  const others = c.origins.map((o) => o.id).filter((o) => o !== id);
  for (let i = 0; i < 2; i++) {
    const lease = leaseOf(
      await stub.acquire({
        pool: c.name,
        config: c,
        configKey: `${c.name}-v${version}`,
        configVersion: version,
        requestId: `readd-${n++}`,
        tenant: 't',
        priority: 'normal',
        avoid: others,
      }),
    );
    expect(lease.originId).toBe(id);
    await stub.release(lease.id, { kind: 'failure', status: 502 });
  }
  expect(await breakerOf(stub, id)).toBe('open');
}

describe('an origin removed from a pool and added again under its id', () => {
  const a = (name: string) => ({ id: 'a', url: `http://${name}-a.test` });
  const b = (name: string, host = 'b') => ({ id: 'b', url: `http://${name}-${host}.test` });

  it('at a new URL is a new machine: its open breaker is not carried over', async () => {
    const name = 'readd-open-new-url';
    const stub = env.ENGINE_POOL.getByName(name);
    const both = config(name, [a(name), b(name)]);
    await push(stub, both);
    await trip(stub, both, 'b');
    await push(stub, config(name, [a(name)]));
    await push(stub, config(name, [a(name), b(name, 'b2')]));
    expect(await breakerOf(stub, 'b')).toBe('closed');
  });

  it('at the same URL starts with a fresh breaker: open and its trips are forgotten, across restarts too', async () => {
    const name = 'readd-open-same-url';
    const stub = env.ENGINE_POOL.getByName(name);
    const both = config(name, [a(name), b(name)]);
    await push(stub, both);
    await trip(stub, both, 'b');
    await push(stub, config(name, [a(name)]));
    await evictDurableObject(stub);
    await push(stub, both);
    expect(await breakerOf(stub, 'b')).toBe('closed');
  });

  it("keeps an operator's isolation at the same URL, across restarts, until it is reset", async () => {
    const name = 'readd-isolated-same-url';
    const stub = env.ENGINE_POOL.getByName(name);
    const both = config(name, [a(name), b(name)]);
    await push(stub, both);
    expect(await stub.control('b', 'isolate')).toEqual({ ok: true });
    await push(stub, config(name, [a(name)]));
    await evictDurableObject(stub);
    await push(stub, both);
    expect(await breakerOf(stub, 'b')).toBe('isolated');
    await evictDurableObject(stub);
    expect(await breakerOf(stub, 'b')).toBe('isolated');
    expect(await stub.control('b', 'reset')).toEqual({ ok: true });
    expect(await breakerOf(stub, 'b')).toBe('closed');
  });

  it('a reset of the removed origin clears its kept isolation, also in storage; nothing kept: not ok', async () => {
    const name = 'readd-isolated-reset-removed';
    const stub = env.ENGINE_POOL.getByName(name);
    const both = config(name, [a(name), b(name)]);
    await push(stub, both);
    await stub.control('b', 'isolate');
    await push(stub, config(name, [a(name)]));
    expect(await stub.control('b', 'isolate')).toEqual({ ok: false });
    expect(await stub.control('b', 'reset')).toEqual({ ok: true, removed: true });
    expect(await stub.control('b', 'reset')).toEqual({ ok: false });
    expect(await stub.control('never', 'reset')).toEqual({ ok: false });
    await evictDurableObject(stub);
    await push(stub, both);
    expect(await breakerOf(stub, 'b')).toBe('closed');
  });

  it('drops an isolation when the origin comes back at a new URL (a new machine)', async () => {
    const name = 'readd-isolated-new-url';
    const stub = env.ENGINE_POOL.getByName(name);
    await push(stub, config(name, [a(name), b(name)]));
    await stub.control('b', 'isolate');
    await push(stub, config(name, [a(name)]));
    await push(stub, config(name, [a(name), b(name, 'b2')]));
    expect(await breakerOf(stub, 'b')).toBe('closed');
  });

  it('an origin that stays but moves to a new URL starts fresh, and stays fresh after a restart', async () => {
    const name = 'moved-origin';
    const stub = env.ENGINE_POOL.getByName(name);
    const both = config(name, [a(name), b(name)]);
    await push(stub, both);
    await trip(stub, both, 'b');
    await push(stub, config(name, [a(name), b(name, 'b2')]));
    expect(await breakerOf(stub, 'b')).toBe('closed');
    await evictDurableObject(stub);
    expect(await breakerOf(stub, 'b')).toBe('closed');
  });

  it('an origin that stays at its URL keeps its open breaker across a config change and a restart', async () => {
    const name = 'kept-origin';
    const stub = env.ENGINE_POOL.getByName(name);
    const both = config(name, [a(name), b(name)]);
    await push(stub, both);
    await trip(stub, both, 'b');
    await push(stub, { ...both, origins: both.origins.map((o) => ({ ...o, capacity: 8 })) });
    await evictDurableObject(stub);
    expect(await breakerOf(stub, 'b')).toBe('open');
  });
});
