import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { PoolConfig } from '../../../schemas/config.ts';
import { coreHarness, grantedLease } from './core-harness.ts';
import { leaseOf, leasesStored, requestsFor } from './pool-stub.ts';

// A half-open circuit is decided by its own trial requests. A trial of an earlier half-open spell
// that ends after the circuit re-opened (a slow request, say) says nothing about the origin now: its
// success must not close the new spell, and its failure must not trip it again.

function setup() {
  const h = coreHarness(
    {
      origins: [{ id: 'o1', url: 'http://o1.test', capacity: 8 }],
      breaker: { consecutiveFailures: 1, cooldownMs: 100, halfOpenProbes: 2, successesToClose: 1 },
      admission: { blockSize: 0 },
    },
    50_000_000,
  );
  const { clock, core } = h;
  const acquire = () => grantedLease(h.acquire(h.request()).box.result);
  const state = () => core.slots.get('o1')!.breaker.state;
  /** Fail one request: the circuit opens; after the cooldown it is half-open. */
  const tripToHalfOpen = (lease = acquire()) => {
    core.release(lease.id, { kind: 'failure', status: 500 });
    expect(state()).toBe('open');
    clock.now += 10_000;
    core.tick();
    expect(state()).toBe('half_open');
  };
  return { core, acquire, state, tripToHalfOpen };
}

describe('trial requests of an earlier half-open spell', () => {
  it('do not close the circuit by succeeding late', () => {
    const { core, acquire, state, tripToHalfOpen } = setup();
    tripToHalfOpen();
    const first = acquire();
    const slow = acquire();
    expect(first.probe && slow.probe).toBe(true);
    tripToHalfOpen(first); // the first trial fails: open again, then a new half-open spell
    const current = acquire();
    expect(current.probe).toBe(true);
    core.release(slow.id, { kind: 'success', status: 200 });
    expect(state()).toBe('half_open');
    core.release(current.id, { kind: 'success', status: 200 });
    expect(state()).toBe('closed');
  });

  it('do not re-open the circuit by failing late', () => {
    const { core, acquire, state, tripToHalfOpen } = setup();
    tripToHalfOpen();
    const first = acquire();
    const slow = acquire();
    tripToHalfOpen(first);
    const current = acquire();
    core.release(slow.id, { kind: 'failure', status: 504 });
    expect(state()).toBe('half_open');
    // Nor does it free a trial place of the new spell: two are allowed, one is taken.
    expect(acquire().probe).toBe(true);
    expect(core.slots.get('o1')!.breaker.probesInFlight).toBe(2);
    core.release(current.id, { kind: 'success', status: 200 });
    expect(state()).toBe('closed');
  });
});

describe('a trial lease stored by the pool object', () => {
  it('keeps its half-open spell across a restart', async () => {
    const name = 'stale-trial-do';
    const config = PoolConfig.parse({
      name,
      protocol: 'vllm',
      origins: [{ id: 'o1', url: 'http://stale-trial-do-o1.test', capacity: 4 }],
      breaker: { consecutiveFailures: 1, cooldownMs: 100, halfOpenProbes: 2, successesToClose: 2 },
      health: { enabled: false },
      admission: { blockSize: 0 },
    });
    const req = requestsFor(config, 'st');
    const stub = env.ENGINE_POOL.getByName(name);
    await stub.release(leaseOf(await stub.acquire(req())).id, { kind: 'failure', status: 500 });
    await vi.waitFor(
      async () => {
        await runDurableObjectAlarm(stub);
        expect((await stub.state()).origins[0]!.breaker.state).toBe('half_open');
      },
      { timeout: 3000, interval: 50 },
    );
    const trial = leaseOf(await stub.acquire(req()));
    expect(trial.probe).toBe(true);
    const openedAt = (await stub.state()).origins[0]!.breaker.openedAt;
    expect(trial.trialOf).toBe(openedAt);
    await leasesStored(stub, 1);
    await evictDurableObject(stub);
    const stored = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec<{ trial_of: number }>('SELECT trial_of FROM leases').one(),
    );
    expect(stored.trial_of).toBe(openedAt);
    // Restored as a trial of the current spell: it still holds one of the two trial places.
    expect(leaseOf(await stub.acquire(req())).probe).toBe(true);
    expect((await stub.acquire({ ...req(), maxWaitMs: 0 })).ok).toBe(false);
  });
});
