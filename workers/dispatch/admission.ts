import type { Lease, LeaseOutcome } from '../../durable-objects/engine-pool/types.ts';
import type { PoolConfig, PriorityClass } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { Env } from '../env.ts';

export interface AdmissionRequest {
  requestId: string;
  tenant: string;
  priority: PriorityClass;
  avoid: string[];
}

export interface Admitted {
  lease: Lease;
  /** Report how the attempt went; safe to call more than once (only the first counts). */
  release(outcome: LeaseOutcome): Promise<void>;
}

/** Ask the pool's Durable Object for a lease on one origin. A refusal is an EcoError to fail over on. */
export async function admit(env: Env, pool: PoolConfig, req: AdmissionRequest): Promise<Admitted> {
  const stub = env.ENGINE_POOL.getByName(pool.name);
  const result = await stub.acquire({
    pool: pool.name,
    origins: pool.origins.map((o) => ({ id: o.id, url: o.url, capacity: o.capacity })),
    requestId: req.requestId,
    tenant: req.tenant,
    priority: req.priority,
    avoid: req.avoid,
  });
  if (!result.ok) {
    const status = result.reason === 'full' ? 429 : 503;
    const code = result.reason === 'full' ? 'pool_saturated' : 'origin_unavailable';
    throw new EcoError(status, code, result.message, { retryAfterMs: result.retryAfterMs });
  }
  let released = false;
  return {
    lease: result.lease,
    async release(outcome) {
      if (released) return;
      released = true;
      await stub.release(result.lease.id, outcome);
    },
  };
}
