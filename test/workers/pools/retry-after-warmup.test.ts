import { describe, expect, it } from 'vitest';
import { DrainRate } from '../../../durable-objects/engine-pool/origin-stats.ts';
import type { AcquireRequest } from '../../../durable-objects/engine-pool/types.ts';
import type { PriorityClass } from '../../../schemas/config.ts';
import { coreHarness, type Granted, type Refused } from './core-harness.ts';

// Retry-After for a full pool is the waiters ahead over the drain rate. A pool that has been busy for
// only part of the 10 s window drains at the pace it shows in that part, not at a tenth of it.

describe('drain rate', () => {
  it('is measured over the part of the window that saw releases', () => {
    const rate = new DrainRate();
    let now = 5_000_000;
    for (let i = 0; i < 4; i++) {
      rate.add(now);
      now += 500;
    }
    // 4 releases in the last 2 s.
    expect(rate.perSecond(now)).toBeCloseTo(2, 1);
  });

  it('averages a steady pool over the whole window', () => {
    const rate = new DrainRate();
    let now = 5_000_000;
    for (let i = 0; i < 30; i++) {
      rate.add(now);
      now += 500;
    }
    expect(rate.perSecond(now)).toBeGreaterThan(1.6);
    expect(rate.perSecond(now)).toBeLessThan(2.4);
  });

  it('is 0 with no release in the window', () => {
    const rate = new DrainRate();
    rate.add(5_000_000);
    expect(rate.perSecond(5_000_000 + 11_000)).toBe(0);
  });
});

describe('Retry-After of a pool that just got busy', () => {
  it('says when the waiters ahead will have been served, not ten times that', () => {
    const h = coreHarness({
      origins: [{ id: 'o1', url: 'http://o1.test', capacity: 1 }],
      queue: { maxDepth: 3, maxWaitMs: 30_000 },
      admission: { blockSize: 0 },
    });
    const { core } = h;
    const req = (priority: PriorityClass = 'normal') => h.request({ priority });
    const acquire = (r: AcquireRequest) => h.acquire(r).box;
    // Busy for 2 s: one slot freed every 500 ms.
    let held = acquire(req());
    for (let i = 0; i < 4; i++) {
      h.advance(500);
      const next = acquire(req());
      core.release((held.result as Granted).lease.id, { kind: 'success' });
      held = next;
    }
    for (let i = 0; i < 3; i++) acquire(req());
    const refused = acquire(req('low')).result as Refused;
    expect(refused.reason).toBe('full');
    // 3 waiters ahead + itself at 2 slots per second: about 2 s.
    expect(refused.retryAfterMs).toBeGreaterThanOrEqual(1500);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(3000);
  });
});
