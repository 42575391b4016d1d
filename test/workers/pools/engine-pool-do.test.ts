import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import type { EnginePool } from '../../../durable-objects/engine-pool/engine-pool.ts';
import type { AcquireRequest } from '../../../durable-objects/engine-pool/types.ts';
import { PoolConfig, type PriorityClass } from '../../../schemas/config.ts';
import { EcoError } from '../../../schemas/errors.ts';
import { admit } from '../../../workers/dispatch/admission.ts';
import { canHoldRelease } from '../../../workers/dispatch/pool-releases.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { leaseOf, leasesStored } from './pool-stub.ts';

let n = 0;
function pool(name: string, overrides: Record<string, unknown> = {}) {
  const config = PoolConfig.parse({
    name,
    protocol: 'vllm',
    origins: [
      { id: 'o1', url: `http://${name}-o1.test`, capacity: 1 },
      { id: 'o2', url: `http://${name}-o2.test`, capacity: 1 },
    ],
    breaker: { consecutiveFailures: 2, cooldownMs: 100, halfOpenProbes: 1, successesToClose: 1 },
    health: { enabled: false },
    ...overrides,
  });
  const stub = env.ENGINE_POOL.getByName(name);
  const req = (priority: PriorityClass = 'normal', extra: Partial<AcquireRequest> = {}): AcquireRequest => ({
    pool: name,
    config,
    configKey: `${name}-v1`,
    configVersion: 1,
    requestId: `req-${n++}`,
    tenant: 't',
    priority,
    ...extra,
  });
  return { stub, req, config };
}

/** Two failures open o1; the alarm, once the 100 ms cooldown is over, half-opens it. */
async function tripToHalfOpen(
  stub: DurableObjectStub<EnginePool>,
  req: ReturnType<typeof pool>['req'],
): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const lease = leaseOf(await stub.acquire(req('normal', { avoid: ['o2'] })));
    await stub.release(lease.id, { kind: 'failure', status: 500 });
  }
  await vi.waitFor(
    async () => {
      await runDurableObjectAlarm(stub);
      expect((await stub.state()).origins.find((o) => o.id === 'o1')?.breaker.state).toBe('half_open');
    },
    { timeout: 3000, interval: 50 },
  );
}

describe('EnginePool Durable Object', () => {
  it('keeps an open breaker across eviction (state lives in SQLite) and refuses with 503-style reasons', async () => {
    // A cooldown long enough that the origin cannot turn half-open while the test runs.
    const { stub, req } = pool('do-restart', {
      breaker: { consecutiveFailures: 2, cooldownMs: 60_000, halfOpenProbes: 1, successesToClose: 1 },
    });
    for (let i = 0; i < 2; i++) {
      const lease = leaseOf(await stub.acquire(req('normal', { avoid: ['o2'] })));
      expect(lease.originId).toBe('o1');
      await stub.release(lease.id, { kind: 'failure', status: 502, code: 'origin_unreachable' });
    }
    expect((await stub.state()).origins.find((o) => o.id === 'o1')?.breaker.state).toBe('open');
    await evictDurableObject(stub);
    const after = await stub.state();
    expect(after.configKnown).toBe(true);
    const o1 = after.origins.find((o) => o.id === 'o1')!;
    expect(o1.breaker.state).toBe('open');
    expect(o1.breaker.lastReason).toContain('origin_unreachable');
    // The open origin is skipped even when the request would rather avoid the other one.
    const lease = leaseOf(await stub.acquire(req('normal', { avoid: ['o2'] })));
    expect(lease.originId).toBe('o2');
    await stub.release(lease.id, { kind: 'success' });
  });

  it('counts the requests still running after a restart: no admission past capacity, their releases free the slots', {
    timeout: 20_000,
  }, async () => {
    const { stub, req } = pool('do-restart-leases');
    const a = leaseOf(await stub.acquire(req()));
    const b = leaseOf(await stub.acquire(req()));
    await leasesStored(stub, 2);
    await evictDurableObject(stub);
    const after = await stub.state();
    expect(after.inFlight).toBe(2);
    // Both origins are still full: a newcomer waits instead of being sent to a busy origin.
    const waiting = stub.acquire(req());
    await vi.waitFor(async () => expect((await stub.state()).queue.depth).toBe(1), { timeout: 10_000 });
    await stub.release(a.id, { kind: 'success' });
    const c = leaseOf(await waiting);
    expect(c.originId).toBe(a.originId);
    expect([a.id, b.id]).not.toContain(c.id);
    await stub.release(b.id, { kind: 'success' });
    await stub.release(c.id, { kind: 'success' });
  });

  it('a lease store that fails is tried again with the same changes, not dropped', {
    timeout: 20_000,
  }, async () => {
    const { stub, req } = pool('do-store-retry');
    await leasesStored(stub, 0);
    // The table goes missing: the next store fails.
    await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec('ALTER TABLE leases RENAME TO leases_away');
    });
    const a = leaseOf(await stub.acquire(req()));
    await vi.waitFor(async () => expect((await stub.state()).leaseStoreFailures).toBeGreaterThan(0), {
      timeout: 10_000,
    });
    await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec('ALTER TABLE leases_away RENAME TO leases');
    });
    await leasesStored(stub, 1);
    await evictDurableObject(stub);
    expect((await stub.state()).inFlight).toBe(1);
    await stub.release(a.id, { kind: 'success' });
  });

  it('a lease released before a restart stays released after it', async () => {
    const { stub, req } = pool('do-restart-released');
    const a = leaseOf(await stub.acquire(req()));
    const b = leaseOf(await stub.acquire(req()));
    await stub.release(a.id, { kind: 'success' });
    await leasesStored(stub, 1);
    await evictDurableObject(stub);
    expect((await stub.state()).inFlight).toBe(1);
    await stub.release(b.id, { kind: 'success' });
    await leasesStored(stub, 0);
    await evictDurableObject(stub);
    expect((await stub.state()).inFlight).toBe(0);
  });

  it('a half-open trial in flight across a restart is still the only trial', async () => {
    const { stub, req } = pool('do-restart-trial');
    await tripToHalfOpen(stub, req);
    const trial = leaseOf(await stub.acquire(req()));
    expect(trial).toMatchObject({ originId: 'o1', probe: true });
    await leasesStored(stub, 1);
    await evictDurableObject(stub);
    // o1's one trial is out, so the next request goes to o2.
    const next = leaseOf(await stub.acquire(req()));
    expect(next.originId).toBe('o2');
    await stub.release(trial.id, { kind: 'success' });
    expect((await stub.state()).origins.find((o) => o.id === 'o1')?.breaker.state).toBe('closed');
    await stub.release(next.id, { kind: 'success' });
  });

  it('the alarm half-opens an open breaker after its cooldown; a trial success closes it', async () => {
    const { stub, req } = pool('do-alarm');
    await tripToHalfOpen(stub, req);
    const trial = leaseOf(await stub.acquire(req()));
    expect(trial).toMatchObject({ originId: 'o1', probe: true });
    await stub.release(trial.id, { kind: 'success', latencyMs: 3, ttftMs: 2 });
    const o1 = (await stub.state()).origins.find((o) => o.id === 'o1')!;
    expect(o1.breaker.state).toBe('closed');
    expect(o1.latency.count).toBe(1);
  });

  it('queues over RPC: a waiter is granted on release, in priority order, and a cancelled one is refused', {
    timeout: 20_000,
  }, async () => {
    const { stub, req } = pool('do-queue', {
      origins: [{ id: 'o1', url: 'http://do-queue-o1.test', capacity: 1 }],
    });
    const first = leaseOf(await stub.acquire(req()));
    const lowReq = req('low');
    const low = stub.acquire(lowReq);
    const high = stub.acquire(req('high'));
    const gone = req('normal');
    const cancelled = stub.acquire(gone);
    await vi.waitFor(async () => expect((await stub.state()).queue.depth).toBe(3), { timeout: 10_000 });
    expect((await stub.state()).queue.byClass).toMatchObject({ high: 1, normal: 1, low: 1 });
    await stub.cancel(gone.requestId);
    expect(await cancelled).toMatchObject({ ok: false, reason: 'cancelled' });
    await stub.release(first.id, { kind: 'success' });
    const h = leaseOf(await high);
    await stub.release(h.id, { kind: 'success' });
    const l = leaseOf(await low);
    await stub.release(l.id, { kind: 'success' });
    const state = await stub.state();
    expect(state.inFlight).toBe(0);
    expect(state.queue.depth).toBe(0);
  });

  it('holds an alarm while leases are out (the TTL sweep) and forgets everything when deleted', async () => {
    const { stub, req } = pool('do-lease');
    const lease = leaseOf(await stub.acquire(req()));
    expect(lease.expiresAt).toBeGreaterThan(Date.now());
    const alarm = await runDurableObjectAlarm(stub);
    expect(alarm).toBe(true);
    await stub.release(lease.id, { kind: 'success' });
    await stub.release(lease.id, { kind: 'success' }); // idempotent
    expect((await stub.state()).inFlight).toBe(0);
    await stub.forget();
    expect((await stub.state()).configKnown).toBe(false);
    await evictDurableObject(stub);
    expect((await stub.state()).configKnown).toBe(false);
  });

  it('a pool deleted and created again under its name starts with fresh breakers', async () => {
    const { stub, req } = pool('do-recreate');
    leaseOf(await stub.acquire(req()));
    expect((await stub.control('o1', 'isolate')).ok).toBe(true);
    await stub.forget();
    const again = leaseOf(await stub.acquire(req('normal', { configKey: 'do-recreate-v2', avoid: ['o2'] })));
    expect(again.originId).toBe('o1');
    const o1 = (await stub.state()).origins.find((o) => o.id === 'o1')!;
    expect(o1.breaker.state).toBe('closed');
    expect(o1.inFlight).toBe(1);
  });

  it('probes origins through the engine health and metrics endpoints; a loading origin gets no traffic', async () => {
    const { stub, req } = pool('do-probe', { health: { enabled: true, intervalMs: 1000, timeoutMs: 500 } });
    mockOrigin('do-probe-o1.test', (r) =>
      new URL(r.url).pathname === '/health'
        ? new Response('loading', { status: 503 })
        : new Response('', { status: 404 }),
    );
    mockOrigin('do-probe-o2.test', (r) =>
      new URL(r.url).pathname === '/metrics'
        ? new Response('vllm:num_requests_running 3\nvllm:num_requests_waiting 1\n')
        : new Response('ok'),
    );
    const warm = leaseOf(await stub.acquire(req()));
    await stub.release(warm.id, { kind: 'success' });
    await vi.waitFor(
      async () => {
        await runDurableObjectAlarm(stub);
        const o2 = (await stub.state()).origins.find((o) => o.id === 'o2')!;
        expect(o2.probe?.metrics).toEqual({ running: 3, waiting: 1 });
      },
      { timeout: 5000, interval: 100 },
    );
    const state = await stub.state();
    expect(state.origins.find((o) => o.id === 'o1')?.probe?.state).toBe('down');
    expect(state.status).toBe('partial');
    for (let i = 0; i < 3; i++) {
      const lease = leaseOf(await stub.acquire(req()));
      expect(lease.originId).toBe('o2');
      await stub.release(lease.id, { kind: 'success' });
    }
  });
});

describe('admission from the dispatch side', () => {
  it('a caller that goes away while queued is withdrawn at once, and its slot is never taken', {
    timeout: 20_000,
  }, async () => {
    const config = PoolConfig.parse({
      name: 'do-admit',
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://do-admit.test', capacity: 1 }],
      health: { enabled: false },
      queue: { maxWaitMs: 60_000 },
    });
    const stub = env.ENGINE_POOL.getByName('do-admit');
    const base = { tenant: 't', priority: 'normal' as const, avoid: [] };
    const holder = await admit(env, config, { ...base, requestId: 'holder' });
    const client = new AbortController();
    const waiting = admit(env, config, { ...base, requestId: 'leaver', signal: client.signal }).catch(
      (e: unknown) => e,
    );
    await vi.waitFor(async () => expect((await stub.state()).queue.depth).toBe(1), { timeout: 10_000 });
    client.abort();
    const err = (await waiting) as EcoError;
    expect(err).toBeInstanceOf(EcoError);
    // Withdrawn as the client left (499), not refused at the 60 s queue deadline (429).
    expect(err.status).toBe(499);
    expect((await stub.state()).queue.depth).toBe(0);
    await holder.release({ kind: 'success', latencyMs: 1 });
    await holder.release({ kind: 'failure' }); // only the first report counts
    const state = await stub.state();
    expect(state.inFlight).toBe(0);
    expect(state.origins[0]!.outcomes).toEqual({ success: 1 });
  });

  it('maps refusals to 429 (full, shed, queue timeout) and 503 (open) with Retry-After', async () => {
    const config = PoolConfig.parse({
      name: 'do-refuse',
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://do-refuse.test', capacity: 1 }],
      health: { enabled: false },
      queue: { maxDepth: 0 },
      breaker: { consecutiveFailures: 1 },
    });
    const base = { tenant: 't', priority: 'normal' as const, avoid: [] };
    const holder = await admit(env, config, { ...base, requestId: 'r1' });
    const full = (await admit(env, config, { ...base, requestId: 'r2' }).catch(
      (e: unknown) => e,
    )) as EcoError;
    expect([full.status, full.code]).toEqual([429, 'pool_saturated']);
    expect(full.retryAfterMs).toBeGreaterThanOrEqual(1000);
    await holder.release({ kind: 'failure', status: 502 });
    const open = (await admit(env, config, { ...base, requestId: 'r3' }).catch(
      (e: unknown) => e,
    )) as EcoError;
    expect([open.status, open.code]).toEqual([503, 'origin_unavailable']);
    expect(open.retryAfterMs).toBeGreaterThanOrEqual(1000);
  });

  it('applies releases sent with an acquire before deciding it, and a batch release is idempotent', async () => {
    const { stub, req } = pool('do-batch', {
      origins: [{ id: 'a', url: 'http://do-batch.test', capacity: 1 }],
      queue: { maxDepth: 0 },
    });
    const first = leaseOf(await stub.acquire(req()));
    expect((await stub.acquire(req())).ok).toBe(false); // full, and nowhere to queue
    const second = leaseOf(
      await stub.acquire(req('normal', { releases: [{ leaseId: first.id, outcome: { kind: 'success' } }] })),
    );
    await stub.releaseMany([
      { leaseId: first.id, outcome: { kind: 'failure', status: 502 } }, // already released: ignored
      { leaseId: second.id, outcome: { kind: 'success' } },
      { leaseId: second.id, outcome: { kind: 'failure', status: 502 } },
    ]);
    const state = await stub.state();
    expect(state.inFlight).toBe(0);
    expect(state.origins[0]!.outcomes).toEqual({ success: 2 });
    expect(state.origins[0]!.breaker.state).toBe('closed');
  });

  it('holds back only plain successes; failures and half-open trials are reported at once', () => {
    const lease = { id: 'l', originId: 'a', url: 'http://x', expiresAt: 0 };
    expect(canHoldRelease(lease, { kind: 'success' })).toBe(true);
    for (const kind of ['failure', 'client_error', 'backoff', 'aborted'] as const)
      expect(canHoldRelease(lease, { kind })).toBe(false);
    expect(canHoldRelease({ ...lease, probe: true }, { kind: 'success' })).toBe(false);
  });

  it("a held success rides along with this isolate's next admission to the pool", async () => {
    const config = PoolConfig.parse({
      name: 'do-ride',
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://do-ride.test', capacity: 1 }],
      health: { enabled: false },
      queue: { maxDepth: 0 },
    });
    const stub = env.ENGINE_POOL.getByName('do-ride');
    const base = { tenant: 't', priority: 'normal' as const, avoid: [] };
    const first = await admit(env, config, { ...base, requestId: 'ride-1' });
    const held = first.release({ kind: 'success', latencyMs: 1 });
    // Capacity 1 and no queue: granted only because the held release reached the pool first.
    const second = await admit(env, config, { ...base, requestId: 'ride-2' });
    await held;
    await second.release({ kind: 'failure', status: 502 });
    const state = await stub.state();
    expect(state.inFlight).toBe(0);
    expect(state.origins[0]!.outcomes).toEqual({ success: 1, failure: 1 });
  });

  it('a held success is sent on its own when no admission comes within the window', async () => {
    const config = PoolConfig.parse({
      name: 'do-alone',
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://do-alone.test', capacity: 1 }],
      health: { enabled: false },
    });
    const stub = env.ENGINE_POOL.getByName('do-alone');
    const admitted = await admit(env, config, {
      tenant: 't',
      priority: 'normal',
      avoid: [],
      requestId: 'a1',
    });
    await admitted.release({ kind: 'success' });
    const state = await stub.state();
    expect(state.inFlight).toBe(0);
    expect(state.origins[0]!.outcomes).toEqual({ success: 1 });
  });
});
