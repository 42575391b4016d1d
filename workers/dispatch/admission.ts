import { fnv1a } from '../../durable-objects/engine-pool/bounded-load-hash.ts';
import type {
  AcquireResult,
  Lease,
  LeaseOutcome,
  LeaseRelease,
} from '../../durable-objects/engine-pool/types.ts';
import type { PoolConfig, PriorityClass } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { Env } from '../env.ts';
import { AfterCallBatcher } from './after-call-batcher.ts';

/**
 * Successful releases are held back per pool (in isolate memory) for at most this long and sent along
 * with the next acquire to the same pool, or together in one call: one round trip fewer per request.
 */
export const RELEASE_WINDOW_MS = 20;

const heldReleases = new AfterCallBatcher<LeaseRelease>(RELEASE_WINDOW_MS);

/**
 * Only plain successes wait: a failure, backoff or abort reaches the breaker at once, and so does a
 * half-open trial's success (it decides whether the origin takes traffic again).
 */
export function canHoldRelease(lease: Lease, outcome: LeaseOutcome): boolean {
  return outcome.kind === 'success' && lease.probe !== true;
}

export interface AdmissionRequest {
  requestId: string;
  tenant: string;
  priority: PriorityClass;
  avoid: string[];
  affinityKey?: string;
  /** The client connection: when it goes away, a queued wait is withdrawn and a late grant returned. */
  signal?: AbortSignal;
}

export interface Admitted {
  lease: Lease;
  /** Report how the attempt went; safe to call more than once (only the first counts). */
  release(outcome: LeaseOutcome): Promise<void>;
}

const keys = new WeakMap<PoolConfig, string>();

/** A short fingerprint of a pool config, computed once per config object (the registry caches them). */
export function configKey(pool: PoolConfig): string {
  let key = keys.get(pool);
  if (key === undefined) {
    const text = JSON.stringify(pool);
    key = `${fnv1a(text).toString(36)}.${text.length.toString(36)}`;
    keys.set(pool, key);
  }
  return key;
}

/**
 * Ask the pool's Durable Object for a lease on one origin: one round trip that may wait in the pool's
 * priority queue. A refusal is an EcoError the dispatch fails over on.
 */
export async function admit(env: Env, pool: PoolConfig, req: AdmissionRequest): Promise<Admitted> {
  const stub = env.ENGINE_POOL.getByName(pool.name);
  const held = heldReleases.take(pool.name);
  const onAbort = () => void stub.cancel(req.requestId).catch(() => {});
  req.signal?.addEventListener('abort', onAbort, { once: true });
  let result: AcquireResult;
  try {
    result = await stub.acquire({
      pool: pool.name,
      config: pool,
      configKey: configKey(pool),
      requestId: req.requestId,
      tenant: req.tenant,
      priority: req.priority,
      avoid: req.avoid,
      ...(req.affinityKey === undefined ? {} : { affinityKey: req.affinityKey }),
      ...(held.length === 0 ? {} : { releases: held }),
    });
  } catch (err) {
    // Whether the held releases arrived is unknown: send them again (a release is idempotent).
    if (held.length > 0) await stub.releaseMany(held).catch(() => {});
    throw err;
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
  }
  if (!result.ok) throw refusalError(result);
  const lease = result.lease;
  if (req.signal?.aborted) {
    await stub.release(lease.id, { kind: 'aborted' }).catch(() => {});
    throw new EcoError(499, 'client_closed', 'The client closed the request.');
  }
  let released = false;
  return {
    lease,
    async release(outcome) {
      if (released) return;
      released = true;
      if (!canHoldRelease(lease, outcome)) return stub.release(lease.id, outcome);
      return heldReleases.add(pool.name, { leaseId: lease.id, outcome }, (items) =>
        env.ENGINE_POOL.getByName(pool.name).releaseMany(items),
      );
    },
  };
}

function refusalError(result: Extract<AcquireResult, { ok: false }>): EcoError {
  const options = { retryAfterMs: result.retryAfterMs };
  switch (result.reason) {
    case 'full':
      return new EcoError(429, 'pool_saturated', result.message, options);
    case 'shed':
      return new EcoError(429, 'request_shed', result.message, options);
    case 'timeout':
      return new EcoError(429, 'queue_timeout', result.message, options);
    case 'cancelled':
      return new EcoError(499, 'client_closed', result.message);
    default:
      return new EcoError(503, 'origin_unavailable', result.message, options);
  }
}
