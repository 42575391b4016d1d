import { describe, expect, it } from 'vitest';
import { coreHarness, grantedLease } from './core-harness.ts';

// A block's holder admits into it without asking the pool object. If its origin trips after the grant
// and turns half-open while the block is still open, the holder would send it more than its trial
// requests: so no block lasts longer than the breaker's cooldown.

function setup(cooldownMs: number, blockWindowMs: number) {
  const h = coreHarness({
    origins: [{ id: 'o1', url: 'http://block-cooldown.test', capacity: 64 }],
    breaker: { consecutiveFailures: 2, cooldownMs, halfOpenProbes: 1, successesToClose: 1 },
    admission: { blockSize: 16, blockWindowMs },
  });
  const block = () => grantedLease(h.acquire(h.request({ block: true })).box.result);
  const single = () => grantedLease(h.acquire(h.request()).box.result);
  return { ...h, block, single };
}

describe('slot blocks and the breaker cooldown', () => {
  it('a block window longer than the cooldown is cut to the cooldown', () => {
    const { block } = setup(300, 2000);
    expect(block().block).toEqual({ slots: 16, useForMs: 300 });
  });

  it('a block window shorter than the cooldown is kept', () => {
    const { block } = setup(5000, 1000);
    expect(block().block?.useForMs).toBe(1000);
  });

  it('an origin that trips after a block is granted turns half-open only once the block has ended', () => {
    const { core, block, single, clock, advance } = setup(300, 2000);
    const granted = clock.now;
    const { useForMs } = block().block!;
    advance(10);
    for (let i = 0; i < 2; i++) core.release(single().id, { kind: 'failure', status: 502 });
    const slot = core.slots.get('o1')!;
    expect(slot.breaker.state).toBe('open');
    const halfOpenAt = slot.breaker.nextDeadline(clock.now)!;
    expect(halfOpenAt).toBeGreaterThanOrEqual(granted + useForMs);
  });
});
