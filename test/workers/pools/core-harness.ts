import { PoolCore } from '../../../durable-objects/engine-pool/pool-core.ts';
import type { AcquireRequest, AcquireResult, Lease } from '../../../durable-objects/engine-pool/types.ts';
import { PoolConfig } from '../../../schemas/config.ts';
import { requestsFor } from './pool-stub.ts';

export type Granted = Extract<AcquireResult, { ok: true }>;
export type Refused = Extract<AcquireResult, { ok: false }>;

/** What one `acquire` came to: `box.result` is set once it is decided (at once, or when served later). */
export interface Admission {
  box: { result?: AcquireResult };
  waiter: ReturnType<PoolCore['acquire']>;
}

/**
 * A pool core (pool `p`, protocol vllm) on a manual clock, configured with `input` (the PoolConfig
 * fields besides name and protocol): `request(extra)` makes admission requests, `acquire` runs one and
 * fails the test if it is ever resolved twice.
 */
export function coreHarness(input: Record<string, unknown>, start = 1_000_000) {
  const clock = { now: start };
  const config = PoolConfig.parse({ name: 'p', protocol: 'vllm', ...input });
  const core = new PoolCore(() => clock.now);
  core.configure(config, 'k1');
  const request = requestsFor(config, 'r');
  const acquire = (r: AcquireRequest): Admission => {
    const box: Admission['box'] = {};
    const waiter = core.acquire(r, (x) => {
      if (box.result) throw new Error('resolved twice');
      box.result = x;
    });
    return { box, waiter };
  };
  return { clock, config, core, request, acquire, advance: (ms: number) => (clock.now += ms) };
}

/** The lease of a decided admission; anything else fails the test. */
export function grantedLease(result: AcquireResult | undefined): Lease {
  if (!result?.ok) throw new Error(`not granted: ${JSON.stringify(result)}`);
  return result.lease;
}
