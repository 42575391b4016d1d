import { runInDurableObject } from 'cloudflare:test';
import { expect, vi } from 'vitest';
import type { EnginePool } from '../../../durable-objects/engine-pool/engine-pool.ts';
import type { AcquireRequest, AcquireResult } from '../../../durable-objects/engine-pool/types.ts';
import type { PoolConfig } from '../../../schemas/config.ts';

/** The lease of a granted admission; a refusal fails the test with its reason. */
export const leaseOf = (r: AcquireResult) => {
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r.lease;
};

/** Wait until the object's stored lease table holds `inFlight` slots (stores trail changes briefly). */
export async function leasesStored(stub: DurableObjectStub<EnginePool>, inFlight: number): Promise<void> {
  await vi.waitFor(
    () =>
      runInDurableObject(stub, (_, state) => {
        const row = state.storage.sql
          .exec<{ n: number }>('SELECT coalesce(sum(slots), 0) AS n FROM leases')
          .one();
        expect(row.n).toBe(inFlight);
      }),
    { timeout: 3000, interval: 20 },
  );
}

/**
 * Admission requests for `config`'s pool, each with a request id of its own (`<prefix>-<n>`): tenant
 * `t`, priority `normal`, unless `extra` says otherwise.
 */
export function requestsFor(
  config: PoolConfig,
  prefix: string,
): (extra?: Partial<AcquireRequest>) => AcquireRequest {
  let n = 0;
  return (extra = {}) => ({
    pool: config.name,
    config,
    configKey: 'k1',
    configVersion: 1,
    requestId: `${prefix}-${n++}`,
    tenant: 't',
    priority: 'normal',
    ...extra,
  });
}
