import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AcquireRequest, AcquireResult, Lease } from '../../../durable-objects/engine-pool/types.ts';
import { coreHarness, grantedLease as leaseOf } from './core-harness.ts';

function setup(capacity = 64, admission: Record<string, number> = {}) {
  const h = coreHarness({
    origins: [
      { id: 'o1', url: 'http://o1.test', capacity },
      { id: 'o2', url: 'http://o2.test', capacity },
    ],
    breaker: { consecutiveFailures: 2, cooldownMs: 1000, halfOpenProbes: 1, successesToClose: 1 },
    queue: { maxDepth: 10, maxWaitMs: 5000 },
    timeouts: { headersMs: 1_000, totalMs: 9_000 },
    admission,
  });
  const { core } = h;
  const req = (extra: Partial<AcquireRequest> = {}) => h.request({ block: true, ...extra });
  const acquire = (r: AcquireRequest): AcquireResult | undefined => h.acquire(r).box.result;
  const inFlight = () => core.leases.inFlight('o1') + core.leases.inFlight('o2');
  return { core, req, acquire, inFlight, advance: h.advance };
}

describe('pool core: slot blocks', () => {
  it('grants a block of at most a quarter of the free slots, counted in flight, for callers that ask', () => {
    const { req, acquire, inFlight } = setup(64);
    const block = leaseOf(acquire(req()));
    expect(block.block).toEqual({ slots: 16, useForMs: 1000 });
    expect(inFlight()).toBe(16);
    // The next block goes to the less loaded origin; a caller that cannot use blocks gets one slot.
    expect(leaseOf(acquire(req())).originId).not.toBe(block.originId);
    const single = leaseOf(acquire(req({ block: false })));
    expect(single.block).toBeUndefined();
    expect(inFlight()).toBe(33);
  });

  it('sizes blocks down as an origin fills, and stops below two slots', () => {
    const { req, acquire } = setup(12);
    expect(leaseOf(acquire(req())).block?.slots).toBe(3); // 12 free → 3
    expect(leaseOf(acquire(req())).block?.slots).toBe(3); // other origin
    expect(leaseOf(acquire(req())).block?.slots).toBe(2); // 9 free → 2
    expect(leaseOf(acquire(req())).block?.slots).toBe(2);
    expect(leaseOf(acquire(req())).block).toBeUndefined(); // 7 free → 1: single slot
  });

  it('never grants a block with affinity, a queue, a non-closed circuit, or blocks turned off', () => {
    expect(leaseOf(setup(64).acquire(setup(64).req({ affinityKey: 'chat-1' }))).block).toBeUndefined();
    const off = setup(64, { blockSize: 0 });
    expect(leaseOf(off.acquire(off.req())).block).toBeUndefined();

    // Fill both origins with single slots so that a waiter queues; then no blocks while it waits.
    const busy = setup(4);
    const held = Array.from({ length: 8 }, () => leaseOf(busy.acquire(busy.req({ block: false }))));
    busy.core.acquire(busy.req({ block: false }), () => {});
    expect(busy.core.queue.size).toBe(1);
    busy.core.release(held[0]!.id, { kind: 'success' });
    busy.core.release(held[1]!.id, { kind: 'success' });
    expect(busy.core.queue.size).toBe(0);
    // Room again, queue empty: blocks only where a quarter of the free slots is at least 2.
    expect(leaseOf(busy.acquire(busy.req())).block).toBeUndefined();

    const tripped = setup(64);
    const first = leaseOf(tripped.acquire(tripped.req({ block: false })));
    const second = leaseOf(tripped.acquire(tripped.req({ block: false })));
    const onO1 = first.originId === 'o1' ? first : second;
    tripped.core.release(onO1.id, { kind: 'failure', status: 502 });
    const again = leaseOf(tripped.acquire(tripped.req({ block: false, avoid: ['o2'] })));
    tripped.core.release(again.id, { kind: 'failure', status: 502 });
    tripped.advance(1500); // cooldown over: o1 is half-open
    tripped.core.tick();
    const probe = leaseOf(tripped.acquire(tripped.req()));
    expect(probe.originId).toBe('o1');
    expect(probe.probe).toBe(true);
    expect(probe.block).toBeUndefined();
  });

  it('a block ends when another origin turns half-open, and none is granted while one is half-open', () => {
    const { core, req, acquire, advance } = setup(64);
    // Open o1's circuit (two failures), leaving o2 healthy.
    for (let i = 0; i < 2; i++) {
      const l = leaseOf(acquire(req({ block: false, avoid: ['o2'] })));
      expect(l.originId).toBe('o1');
      core.release(l.id, { kind: 'failure', status: 502 });
    }
    expect(core.slots.get('o1')!.breaker.state).toBe('open');
    advance(700); // 300 ms of the 1 s cooldown left
    const block = leaseOf(acquire(req()));
    expect(block.originId).toBe('o2');
    expect(block.block?.useForMs).toBe(300);
    advance(300);
    core.tick(); // the cooldown is over: o1 is half-open and wants a trial
    expect(core.slots.get('o1')!.breaker.state).toBe('half_open');
    const trial = leaseOf(acquire(req()));
    expect(trial.originId).toBe('o1');
    expect(trial.probe).toBe(true);
    // Its one trial slot is taken; o2 serves, but one slot at a time until o1 is decided.
    expect(leaseOf(acquire(req())).block).toBeUndefined();
    core.release(trial.id, { kind: 'success' });
    expect(core.slots.get('o1')!.breaker.state).toBe('closed');
    expect(leaseOf(acquire(req())).block).toBeDefined();
  });

  it('reports from a block feed the breaker and shrink it; repeats and reordering never grow it back', () => {
    const { core, req, acquire, inFlight } = setup(64);
    const block = leaseOf(acquire(req()));
    core.releaseMany([
      { leaseId: block.id, outcome: { kind: 'success', latencyMs: 5 }, keepSlots: 16 },
      { leaseId: block.id, outcome: { kind: 'success', latencyMs: 7 }, keepSlots: 16 },
    ]);
    expect(inFlight()).toBe(16);
    expect(core.slots.get(block.originId)!.stats.outcomes.success).toBe(2);
    core.releaseMany([{ leaseId: block.id, keepSlots: 3 }]); // window over, 3 still running
    expect(inFlight()).toBe(3);
    core.releaseMany([{ leaseId: block.id, outcome: { kind: 'success' }, keepSlots: 16 }]); // late, stale
    expect(inFlight()).toBe(3);
    core.release(block.id, { kind: 'failure', status: 502 }, 2);
    core.release(block.id, { kind: 'failure', status: 502 }, 1);
    expect(core.slots.get(block.originId)!.breaker.state).toBe('open');
    core.release(block.id, undefined, 0);
    expect(inFlight()).toBe(0);
    expect(core.leases.size).toBe(0);
    // Gone: further reports change nothing.
    expect(core.release(block.id, { kind: 'failure' }, 0)).toBe(false);
  });

  it('an unreturned block is reclaimed after its window plus the lease TTL', () => {
    const { core, req, acquire, inFlight, advance } = setup(64);
    leaseOf(acquire(req()));
    advance(1000 + 10_000 + 29_000);
    core.tick();
    expect(inFlight()).toBe(16);
    advance(2000);
    core.tick();
    expect(inFlight()).toBe(0);
  });

  it('in flight never exceeds capacity, whatever mix of blocks, singles and shrinks (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('block' as const) }),
            fc.record({ op: fc.constant('single' as const) }),
            fc.record({ op: fc.constant('shrink' as const), pick: fc.nat(), keep: fc.nat({ max: 20 }) }),
          ),
          { maxLength: 80 },
        ),
        fc.integer({ min: 1, max: 40 }),
        (ops, capacity) => {
          const { core, req, acquire } = setup(capacity);
          const held: Lease[] = [];
          for (const o of ops) {
            if (o.op === 'shrink') {
              const lease = held[o.pick % Math.max(1, held.length)];
              if (lease) core.release(lease.id, { kind: 'success' }, lease.block ? o.keep : undefined);
            } else {
              const r = acquire(req({ block: o.op === 'block' }));
              if (r?.ok) held.push(r.lease);
            }
            for (const id of ['o1', 'o2']) expect(core.leases.inFlight(id)).toBeLessThanOrEqual(capacity);
          }
        },
      ),
    );
  });
});
