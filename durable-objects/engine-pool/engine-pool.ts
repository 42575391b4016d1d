import { DurableObject } from 'cloudflare:workers';
import { LeaseTable } from './lease-table.ts';
import type { AcquireRequest, AcquireResult, LeaseOutcome } from './types.ts';

/** One per engine pool: the single source of truth for its origins' in-flight leases. */
export class EnginePool extends DurableObject {
  readonly #leases = new LeaseTable();

  async acquire(req: AcquireRequest): Promise<AcquireResult> {
    return this.#leases.acquire(req);
  }

  async release(leaseId: string, outcome: LeaseOutcome): Promise<void> {
    this.#leases.release(leaseId, outcome);
  }

  async inFlight(): Promise<Record<string, number>> {
    this.#leases.sweep();
    return this.#leases.snapshot();
  }
}
