import type { AcquireResult, Lease, LeaseOutcome } from '../../durable-objects/engine-pool/types.ts';
import type { PoolConfig, PriorityClass } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';
import { configStamp } from '../data/config-stamp.ts';
import { registryBehind } from '../data/registry.ts';
import { objectUnavailable, transient } from '../durable-object-failure.ts';
import type { Env } from '../env.ts';
import { committedError } from './committed.ts';
import { once } from './once.ts';
import { canHoldRelease, heldReleases, sendReleases } from './pool-releases.ts';
import {
  fromBlock,
  openBlock,
  reportNow,
  requeueReports,
  sendOrRequeue,
  takeBlockOutcomes,
} from './slot-blocks.ts';

export interface AdmissionRequest {
  requestId: string;
  tenant: string;
  priority: PriorityClass;
  avoid: string[];
  affinityKey?: string;
  /** The client connection: when it goes away, a queued wait is withdrawn and a late grant returned. */
  signal?: AbortSignal;
  /**
   * The key's limits, checked meanwhile: a refusal withdraws a wait in the pool's queue and is what
   * `admit` throws (a limited key must not hold a place in the queue, nor learn of its refusal only
   * once a slot frees). Watched only when the request goes to the pool object, not on a block's grant.
   */
  gate?: Promise<unknown>;
  /**
   * Keeps background work of this request alive. With it, the pool may grant a block of slots that
   * later requests of this isolate use without a round trip (see PoolAdmission).
   */
  waitUntil?: (promise: Promise<unknown>) => void;
}

export interface Admitted {
  lease: Lease;
  /** Report how the attempt went; safe to call more than once (only the first counts). */
  release(outcome: LeaseOutcome): Promise<void>;
}

/**
 * A lease on one origin: from a block this isolate holds when it can (no round trip), else from the
 * pool's Durable Object, one round trip that may wait in the pool's priority queue. A refusal is an
 * EcoError the dispatch fails over on.
 */
export async function admit(env: Env, pool: PoolConfig, req: AdmissionRequest): Promise<Admitted> {
  const local = fromBlock(pool, req);
  if (local) return local;
  const stub = env.ENGINE_POOL.getByName(pool.name);
  const held = [...heldReleases.take(pool.name), ...takeBlockOutcomes(pool.name)];
  // Names this call alone: request ids may repeat, and a late cancel must not reach a later call.
  const cancelKey = crypto.randomUUID();
  // Kept alive with waitUntil: a disconnect cancels the request's own work, and a bare call made
  // from its abort handler may never reach the pool (the wait would then hold a slot for nobody). The
  // pool takes back a grant the cancel crosses, whose answer may never be read here.
  const cancel = () => {
    const sent = stub.cancel(cancelKey).catch(() => {});
    req.waitUntil?.(sent);
  };
  req.signal?.addEventListener('abort', cancel, { once: true });
  let gateRefusal: { error: unknown } | undefined;
  let answered = false;
  req.gate?.catch((error: unknown) => {
    // After the answer, the attempt itself meets the refusal (and returns the lease).
    if (answered) return;
    gateRefusal = { error };
    cancel();
  });
  let result: AcquireResult;
  const stamp = configStamp(pool);
  try {
    result = await stub.acquire({
      pool: pool.name,
      config: pool,
      configKey: stamp.key,
      configVersion: stamp.version,
      requestId: req.requestId,
      cancelKey,
      tenant: req.tenant,
      priority: req.priority,
      avoid: req.avoid,
      ...(req.affinityKey === undefined ? {} : { affinityKey: req.affinityKey }),
      ...(held.length === 0 ? {} : { releases: held }),
      ...(req.waitUntil && req.affinityKey === undefined ? { block: true } : {}),
    });
  } catch (err) {
    // The object may be alive and have queued or granted this call, whose answer was lost on the way:
    // withdrawn, so that no slot waits for nobody until its lease expires. An overloaded object refused
    // the call before taking it: nothing to withdraw, and one more call would only add to its load.
    if ((err as { overloaded?: unknown } | null)?.overloaded !== true) cancel();
    // Whether the held releases arrived is unknown: they ride along with the next call to the pool
    // (a release and a block's slot count are idempotent; a block's outcomes are not, so those go
    // again without them).
    if (held.length > 0) {
      const requeued = requeueReports(pool.name, sendReleases(env, pool), held, err).catch(() => {});
      if (req.waitUntil) req.waitUntil(requeued);
    }
    throw transient(err) ? poolUnavailable(pool.name, err) : err;
  } finally {
    answered = true;
    req.signal?.removeEventListener('abort', cancel);
  }
  if (gateRefusal) {
    if (result.ok) req.waitUntil?.(stub.release(result.lease.id, { kind: 'aborted' }).catch(() => {}));
    throw committedError(gateRefusal.error);
  }
  if (!result.ok) throw refusalError(result);
  if (result.configVersion !== undefined) registryBehind();
  const lease = result.lease;
  if (req.signal?.aborted) {
    // As for the cancel above: the grant goes back even though the request's own work is ending.
    const back = stub.release(lease.id, { kind: 'aborted' }).catch(() => {});
    req.waitUntil?.(back);
    await back;
    throw new EcoError(499, 'client_closed', 'The client closed the request.');
  }
  if (lease.block && req.waitUntil) return openBlock(env, pool, lease, req.waitUntil);
  return {
    lease,
    release: once(async (outcome) => {
      if (!canHoldRelease(lease, outcome))
        return reportNow(pool.name, sendReleases(env, pool), { leaseId: lease.id, outcome });
      // The batch it leaves in is requeued if its call fails: a lost release holds its slot until the TTL.
      return heldReleases.add(pool.name, { leaseId: lease.id, outcome }, (items) =>
        sendOrRequeue(pool.name, sendReleases(env, pool), items),
      );
    }),
  };
}

/**
 * The pool's object failed in a passing way (overloaded, reset, connection lost): a refusal like a full
 * pool's, before any origin saw the request, so the dispatch fails over and a caller retries later.
 */
function poolUnavailable(pool: string, cause: unknown): EcoError {
  return objectUnavailable('pool_unavailable', `Pool '${pool}' did not answer; try again.`, cause);
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
