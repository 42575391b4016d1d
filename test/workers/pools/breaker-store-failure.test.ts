import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { EnginePool } from '../../../durable-objects/engine-pool/engine-pool.ts';
import { PoolConfig } from '../../../schemas/config.ts';
import { leaseOf, requestsFor } from './pool-stub.ts';

// A breaker write that fails (a full or failing disk) must not fail the call that changed the
// breaker: the change holds in memory, a grant made with it reaches its caller (else its slot, or a
// half-open origin's one trial place, would be held by nobody until the lease expires), and the write
// is tried again, so the state still outlives a restart once storage works again.

function pool(name: string) {
  const config = PoolConfig.parse({
    name,
    protocol: 'vllm',
    origins: [
      { id: 'o1', url: `http://${name}-o1.test`, capacity: 1 },
      { id: 'o2', url: `http://${name}-o2.test`, capacity: 1 },
    ],
    breaker: { consecutiveFailures: 2, cooldownMs: 100, halfOpenProbes: 1, successesToClose: 1 },
    health: { enabled: false },
  });
  return { stub: env.ENGINE_POOL.getByName(name), req: requestsFor(config, name) };
}

const breakersTable = (stub: DurableObjectStub<EnginePool>, from: string, to: string) =>
  runInDurableObject(stub, (_, state) => {
    state.storage.sql.exec(`ALTER TABLE ${from} RENAME TO ${to}`);
  });

async function tripO1(stub: DurableObjectStub<EnginePool>, req: ReturnType<typeof pool>['req']) {
  for (let i = 0; i < 2; i++) {
    const lease = leaseOf(await stub.acquire(req({ avoid: ['o2'] })));
    expect(lease.originId).toBe('o1');
    await stub.release(lease.id, { kind: 'failure', status: 500 });
  }
}

const o1 = async (stub: DurableObjectStub<EnginePool>) =>
  (await stub.state()).origins.find((o) => o.id === 'o1')!;

describe('breaker writes that fail', () => {
  it('do not fail the release that opened the circuit, and are stored once storage works again', async () => {
    const { stub, req } = pool('breaker-store-retry');
    await stub.release(leaseOf(await stub.acquire(req())).id, { kind: 'success' });
    await breakersTable(stub, 'breakers', 'breakers_away');
    await tripO1(stub, req);
    expect((await o1(stub)).breaker.state).toBe('open');
    expect((await stub.state()).breakerStoreFailures).toBeGreaterThan(0);
    await breakersTable(stub, 'breakers_away', 'breakers');
    // Any later call stores what is still owed.
    const other = leaseOf(await stub.acquire(req({ avoid: ['o1'] })));
    await stub.release(other.id, { kind: 'success' });
    await evictDurableObject(stub);
    expect((await o1(stub)).breaker.state).not.toBe('closed');
  });

  it('still hand a half-open trial to the caller whose admission half-opened the circuit', async () => {
    const { stub, req } = pool('breaker-store-trial');
    await stub.release(leaseOf(await stub.acquire(req())).id, { kind: 'success' });
    await breakersTable(stub, 'breakers', 'breakers_away');
    await tripO1(stub, req);
    // Past the 100 ms cooldown: the next admission half-opens o1 itself (a breaker change to store).
    await new Promise((resolve) => setTimeout(resolve, 150));
    const trial = leaseOf(await stub.acquire(req({ avoid: ['o2'] })));
    expect(trial).toMatchObject({ originId: 'o1', probe: true });
    await stub.release(trial.id, { kind: 'success' });
    const after = await stub.state();
    expect(after.inFlight).toBe(0);
    expect(after.origins.find((o) => o.id === 'o1')!.breaker.state).toBe('closed');
    await breakersTable(stub, 'breakers_away', 'breakers');
  });
});
