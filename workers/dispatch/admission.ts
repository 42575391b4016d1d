import { fnv1a } from '../../durable-objects/engine-pool/bounded-load-hash.ts';
import type { AcquireResult, Lease, LeaseOutcome } from '../../durable-objects/engine-pool/types.ts';
import type { PoolConfig, PriorityClass } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { Env } from '../env.ts';

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
    });
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
      await stub.release(lease.id, outcome);
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
