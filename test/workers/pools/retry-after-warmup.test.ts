import { describe, expect, it } from 'vitest';
import { DrainRate } from '../../../durable-objects/engine-pool/origin-stats.ts';
import { PoolCore } from '../../../durable-objects/engine-pool/pool-core.ts';
import type { AcquireRequest, AcquireResult } from '../../../durable-objects/engine-pool/types.ts';
import { PoolConfig, type PriorityClass } from '../../../schemas/config.ts';

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
    let now = 1_000_000;
    const config = PoolConfig.parse({
      name: 'p',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: 'http://o1.test', capacity: 1 }],
      queue: { maxDepth: 3, maxWaitMs: 30_000 },
      admission: { blockSize: 0 },
    });
    const core = new PoolCore(() => now);
    core.configure(config, 'k1');
    let n = 0;
    const req = (priority: PriorityClass = 'normal'): AcquireRequest => ({
      pool: 'p',
      config,
      configKey: 'k1',
      configVersion: 1,
      requestId: `r${n++}`,
      tenant: 't',
      priority,
    });
    const acquire = (r: AcquireRequest) => {
      const box: { result?: AcquireResult } = {};
      core.acquire(r, (x) => {
        box.result = x;
      });
      return box;
    };
    // Busy for 2 s: one slot freed every 500 ms.
    let held = acquire(req());
    for (let i = 0; i < 4; i++) {
      now += 500;
      const next = acquire(req());
      core.release((held.result as Extract<AcquireResult, { ok: true }>).lease.id, { kind: 'success' });
      held = next;
    }
    for (let i = 0; i < 3; i++) acquire(req());
    const refused = acquire(req('low')).result as Extract<AcquireResult, { ok: false }>;
    expect(refused.reason).toBe('full');
    // 3 waiters ahead + itself at 2 slots per second: about 2 s.
    expect(refused.retryAfterMs).toBeGreaterThanOrEqual(1500);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(3000);
  });
});
