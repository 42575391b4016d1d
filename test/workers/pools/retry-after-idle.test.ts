import { describe, expect, it } from 'vitest';
import { LEASE_MARGIN_MS } from '../../../durable-objects/engine-pool/pool-core.ts';
import type { Lease } from '../../../durable-objects/engine-pool/types.ts';
import type { PriorityClass } from '../../../schemas/config.ts';
import { coreHarness, type Granted, type Refused } from './core-harness.ts';

// Retry-After of a full pool that freed no slot in the last 10 s has no drain rate to go by. It is
// worked out from when the held slots should free: each lease's start plus its origin's typical
// request time, or, for a lease already past that (or with nothing learnt yet), the headers wait plus
// the pool's total timeout, which ends every request.

function setup(opts: { capacity?: number; maxDepth?: number; totalMs?: number } = {}) {
  const h = coreHarness(
    {
      origins: [{ id: 'o1', url: 'http://o1.test', capacity: opts.capacity ?? 2 }],
      queue: { maxDepth: opts.maxDepth ?? 1, maxWaitMs: 30_000 },
      // A request holds its lease for at most the headers wait plus the total limit: `totalMs` here.
      timeouts: { headersMs: 1_000, totalMs: (opts.totalMs ?? 40_000) - 1_000 },
      admission: { blockSize: 0 },
    },
    10_000_000,
  );
  const { clock, core } = h;
  const acquire = (priority: PriorityClass = 'normal') => h.acquire(h.request({ priority })).box;
  /** Requests that took `ms` each, long enough ago that none counts toward the drain rate. */
  const learn = (ms: number, count = 5) => {
    for (let i = 0; i < count; i++) {
      const lease = (acquire().result as Granted).lease;
      clock.now += ms;
      core.release(lease.id, { kind: 'success', status: 200, latencyMs: ms });
    }
    clock.now += 11_000;
  };
  return { clock, core, acquire, learn };
}

describe('Retry-After of a full pool with no recent release', () => {
  it('with nothing learnt, is when the total timeout ends the held requests', () => {
    const { clock, acquire } = setup({ totalMs: 40_000 });
    acquire();
    acquire();
    clock.now += 15_000;
    acquire(); // queued
    const refused = acquire('low').result as Refused;
    expect(refused.reason).toBe('full');
    // Two ahead (the waiter and itself), both slots end by 40 s after their start: 25 s from now.
    expect(refused.retryAfterMs).toBe(25_000);
  });

  it('follows the typical request time of the origin', () => {
    const { acquire, learn } = setup();
    learn(3_000);
    acquire();
    acquire();
    acquire();
    const refused = acquire('low').result as Refused;
    expect(refused.reason).toBe('full');
    expect(refused.retryAfterMs).toBe(3_000);
  });

  it('falls back to the total timeout for requests already past the typical time (long streams)', () => {
    const { clock, acquire, learn } = setup({ totalMs: 40_000 });
    learn(2_000);
    acquire();
    acquire();
    clock.now += 12_000;
    acquire();
    const refused = acquire('low').result as Refused;
    expect(refused.retryAfterMs).toBe(28_000);
  });

  it('counts turns: a deep queue waits for several rounds of typical requests', () => {
    const { acquire, learn } = setup({ capacity: 1, maxDepth: 5 });
    learn(2_000);
    acquire();
    for (let i = 0; i < 5; i++) acquire();
    const refused = acquire('low').result as Refused;
    expect(refused.reason).toBe('full');
    // Six turns on one slot of 2 s each; the first one is running already.
    expect(refused.retryAfterMs).toBe(12_000);
  });

  it('right after a restart, goes by the deadlines of the restored leases', () => {
    const { clock, core, acquire } = setup({ totalMs: 40_000 });
    const leases: Lease[] = [
      { id: 'a:1', originId: 'o1', url: 'http://o1.test', expiresAt: clock.now + 7_000 + LEASE_MARGIN_MS },
      { id: 'a:2', originId: 'o1', url: 'http://o1.test', expiresAt: clock.now + 9_500 + LEASE_MARGIN_MS },
    ];
    core.restoreLeases(leases);
    acquire();
    const refused = acquire('low').result as Refused;
    expect(refused.reason).toBe('full');
    expect(refused.retryAfterMs).toBe(10_000); // 9.5 s, in whole seconds
  });

  it('never says more than a minute, however long the timeout', () => {
    const { acquire } = setup({ totalMs: 600_000 });
    acquire();
    acquire();
    acquire();
    expect((acquire('low').result as Refused).retryAfterMs).toBe(60_000);
  });

  it('a shed waiter is told the same turn-based wait', () => {
    const { acquire, learn } = setup();
    learn(4_000);
    acquire();
    acquire();
    const low = acquire('low');
    acquire('high'); // sheds the low waiter
    const shed = low.result as Refused;
    expect(shed.reason).toBe('shed');
    expect(shed.retryAfterMs).toBe(4_000);
  });
});

describe('Retry-After of a full pool with an origin out of service', () => {
  it('counts only the slots of origins that take traffic', () => {
    const h = coreHarness(
      {
        origins: [
          { id: 'o1', url: 'http://o1.test', capacity: 1 },
          { id: 'o2', url: 'http://o2.test', capacity: 1 },
        ],
        queue: { maxDepth: 1, maxWaitMs: 30_000 },
        timeouts: { totalMs: 40_000 },
        admission: { blockSize: 0 },
      },
      20_000_000,
    );
    const { clock, core } = h;
    const acquire = (priority: PriorityClass = 'normal') => h.acquire(h.request({ priority })).box;
    acquire();
    const second = (acquire().result as Granted).lease;
    clock.now += 10_000;
    core.slots.get(second.originId)!.breaker.isolate(clock.now);
    acquire();
    const refused = acquire('low').result as Refused;
    expect(refused.reason).toBe('full');
    // Two turns on the one origin left: its request ends by 30 s from now, the next one 40 s later.
    expect(refused.retryAfterMs).toBe(60_000);
  });
});
