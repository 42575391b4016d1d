import { describe, expect, it } from 'vitest';
import { PoolCore } from '../../../durable-objects/engine-pool/pool-core.ts';
import { ProbeRounds } from '../../../durable-objects/engine-pool/probe-rounds.ts';

describe('when the next probe round is due', () => {
  const rounds = () => new ProbeRounds(() => new PoolCore(() => 0), {});

  it('the first config plans the first round one interval later', () => {
    const r = rounds();
    r.configured(10_000, 1_000);
    expect(r.nextAt).toBe(11_000);
  });

  it('configs pushed more often than the interval do not put the round off', () => {
    const r = rounds();
    r.configured(10_000, 0);
    for (let at = 3_000; at < 30_000; at += 3_000) r.configured(10_000, at);
    expect(r.nextAt).toBe(10_000);
  });

  it('a config with a shorter interval brings the round forward', () => {
    const r = rounds();
    r.configured(60_000, 0);
    r.configured(5_000, 1_000);
    expect(r.nextAt).toBe(6_000);
  });
});
