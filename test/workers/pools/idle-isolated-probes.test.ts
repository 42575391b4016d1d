import { describe, expect, it } from 'vitest';
import { nextAlarmAt, probeDue } from '../../../durable-objects/engine-pool/alarm-plan.ts';
import { PoolCore } from '../../../durable-objects/engine-pool/pool-core.ts';
import { PoolConfig } from '../../../schemas/config.ts';

// An idle pool stops probing once all is well, and keeps probing while something is wrong. An origin
// an operator isolated stays out until reset, whatever a probe finds: it alone must not keep an idle
// pool's alarm firing (and its object awake) for good.

const HOUR = 60 * 60_000;

function idlePool() {
  const config = PoolConfig.parse({
    name: 'iip',
    protocol: 'vllm',
    origins: [
      { id: 'a', url: 'http://iip-a.test' },
      { id: 'b', url: 'http://iip-b.test' },
    ],
    health: { enabled: true, intervalMs: 10_000 },
  });
  const clock = { now: 0 };
  const core = new PoolCore(() => clock.now);
  core.configure(config, 'k1');
  // Last used an hour ago.
  clock.now = HOUR;
  return { core, slot: (id: string) => core.slots.get(id)!, now: HOUR };
}

describe('an idle pool with an isolated origin', () => {
  it('is not probed, nor woken by its alarm, for that origin alone', () => {
    const p = idlePool();
    p.slot('a').breaker.isolate(p.now - 1000);
    p.slot('a').probe = { state: 'down', checkedAt: p.now - 1000, latencyMs: 5 };
    expect(probeDue(p.core, 0, p.now)).toBe(false);
    expect(nextAlarmAt(p.core, p.now, p.now)).toBeUndefined();
  });

  it('is probed while another origin is unwell', () => {
    const p = idlePool();
    p.slot('a').breaker.isolate(p.now - 1000);
    p.slot('b').probe = { state: 'down', checkedAt: p.now - 1000, latencyMs: 5 };
    expect(probeDue(p.core, 0, p.now)).toBe(true);
  });
});
