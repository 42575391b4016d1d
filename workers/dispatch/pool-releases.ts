import type { Lease, LeaseOutcome, LeaseRelease } from '../../durable-objects/engine-pool/types.ts';
import type { PoolConfig } from '../../schemas/config.ts';
import type { Env } from '../env.ts';
import { AfterCallBatcher } from './after-call-batcher.ts';

/**
 * Successful releases are held back per pool (in isolate memory) for at most this long and sent along
 * with the next acquire to the same pool, or together in one call: one round trip fewer per request.
 */
export const RELEASE_WINDOW_MS = 20;

export const heldReleases = new AfterCallBatcher<LeaseRelease>(RELEASE_WINDOW_MS);

/**
 * Only plain successes wait: a failure, backoff or abort reaches the breaker at once, and so does a
 * half-open trial's success (it decides whether the origin takes traffic again).
 */
export function canHoldRelease(lease: Lease, outcome: LeaseOutcome): boolean {
  return outcome.kind === 'success' && lease.probe !== true;
}

/** One call that reports a batch of releases to the pool object. */
export function sendReleases(env: Env, pool: PoolConfig) {
  return (items: LeaseRelease[]) => env.ENGINE_POOL.getByName(pool.name).releaseMany(items);
}
