import { evictDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AcquireRequest } from '../../../durable-objects/engine-pool/types.ts';
import { PoolConfig } from '../../../schemas/config.ts';
import { leaseOf, leasesStored } from './pool-stub.ts';

function pool(name: string, capacity = 1) {
  const config = PoolConfig.parse({
    name,
    protocol: 'vllm',
    origins: [{ id: 'o1', url: `http://${name}-o1.test`, capacity }],
    health: { enabled: false },
  });
  const stub = env.ENGINE_POOL.getByName(name);
  const req = (requestId: string, extra: Partial<AcquireRequest> = {}): AcquireRequest => ({
    pool: name,
    config,
    configKey: `${name}-v1`,
    configVersion: 1,
    requestId,
    tenant: 't',
    priority: 'normal',
    maxWaitMs: 0,
    ...extra,
  });
  return { stub, req };
}

describe('EnginePool lease table across restarts', () => {
  it('a block restored after a restart still gives back only the slots it no longer needs', async () => {
    const { stub, req } = pool('restore-block', 64);
    const block = leaseOf(await stub.acquire(req('blk', { block: true })));
    expect(block.block?.slots).toBe(16);
    await leasesStored(stub, 16);
    await evictDurableObject(stub);
    // One request served from the block; fifteen of its slots are still in use.
    await stub.releaseMany([
      { leaseId: block.id, outcome: { kind: 'success' }, keepSlots: 15, originId: 'o1' },
    ]);
    expect((await stub.state()).inFlight).toBe(15);
    await stub.releaseMany([{ leaseId: block.id, keepSlots: 0, originId: 'o1' }]);
    expect((await stub.state()).inFlight).toBe(0);
  });

  it('a block shrunk to one slot before a restart is still a block after it', async () => {
    const { stub, req } = pool('restore-block-one', 64);
    const block = leaseOf(await stub.acquire(req('blk', { block: true })));
    await stub.releaseMany([{ leaseId: block.id, keepSlots: 1, originId: 'o1' }]);
    await leasesStored(stub, 1);
    await evictDurableObject(stub);
    // A repeated report of the same count changes nothing.
    await stub.releaseMany([{ leaseId: block.id, keepSlots: 1, originId: 'o1' }]);
    expect((await stub.state()).inFlight).toBe(1);
  });

  it('never hands out an id issued before a restart again, so a repeated release cannot free a new lease', async () => {
    // The request id may be the caller's own (x-request-id) and repeat.
    const { stub, req } = pool('restore-ids', 2);
    const first = leaseOf(await stub.acquire(req('same')));
    const second = leaseOf(await stub.acquire(req('same')));
    await stub.release(second.id, { kind: 'success' });
    await leasesStored(stub, 1);
    await evictDurableObject(stub);
    const third = leaseOf(await stub.acquire(req('same')));
    expect([first.id, second.id]).not.toContain(third.id);
    // A late repeat of the second lease's release leaves the third one held.
    await stub.release(second.id, { kind: 'success' });
    expect((await stub.state()).inFlight).toBe(2);
    await stub.release(first.id, { kind: 'success' });
    await stub.release(third.id, { kind: 'success' });
  });

  it('ids stay unique across a restart that finds no stored lease at all', async () => {
    const { stub, req } = pool('restore-ids-empty', 2);
    const first = leaseOf(await stub.acquire(req('same')));
    await stub.release(first.id, { kind: 'success' });
    await leasesStored(stub, 0);
    await evictDurableObject(stub);
    const next = leaseOf(await stub.acquire(req('same')));
    expect(next.id).not.toBe(first.id);
    await stub.release(next.id, { kind: 'success' });
  });

  it('a pool deleted and created again under its name does not make the old lease ids again', async () => {
    const { stub, req } = pool('restore-forget', 2);
    const old = leaseOf(await stub.acquire(req('same')));
    await stub.forget();
    const fresh = leaseOf(await stub.acquire(req('same')));
    expect(fresh.id).not.toBe(old.id);
    // The old pool's lease, released late, leaves the new pool's lease held.
    await stub.release(old.id, { kind: 'success' });
    expect((await stub.state()).inFlight).toBe(1);
    await stub.release(fresh.id, { kind: 'success' });
  });
});
