import type { Lease } from './types.ts';

/**
 * In-flight accounting of one pool: which origin each live lease holds. Leases expire on their own
 * (the pool's total timeout plus a margin) so an isolate that died mid-request can never hold a slot.
 * Pure: the clock is passed in.
 */
export class LeaseTable {
  readonly #leases = new Map<string, Lease>();
  readonly #inFlight = new Map<string, number>();
  #seq = 0;

  inFlight(originId: string): number {
    return this.#inFlight.get(originId) ?? 0;
  }

  get size(): number {
    return this.#leases.size;
  }

  grant(
    originId: string,
    url: string,
    requestId: string,
    expiresAt: number,
    probe: boolean,
    slots = 1,
  ): Lease {
    const lease: Lease = { id: `${requestId}:${++this.#seq}`, originId, url, expiresAt };
    if (probe) lease.probe = true;
    if (slots > 1) lease.slots = slots;
    this.#leases.set(lease.id, lease);
    this.#inFlight.set(originId, this.inFlight(originId) + slots);
    return lease;
  }

  get(leaseId: string): Lease | undefined {
    return this.#leases.get(leaseId);
  }

  /** Returns the released lease, or undefined when it was unknown or already gone (idempotent). */
  release(leaseId: string): Lease | undefined {
    return this.shrink(leaseId, 0);
  }

  /**
   * Let a lease hold at most `slots` slots (a block giving back what it no longer needs); at 0 it is
   * gone. Never grows a lease, so repeated or reordered reports are harmless. Returns the lease.
   */
  shrink(leaseId: string, slots: number): Lease | undefined {
    const lease = this.#leases.get(leaseId);
    if (!lease) return undefined;
    const held = lease.slots ?? 1;
    const keep = Math.max(0, Math.min(held, Math.floor(slots)));
    if (keep === 0) this.#leases.delete(leaseId);
    else lease.slots = keep;
    this.#inFlight.set(lease.originId, Math.max(0, this.inFlight(lease.originId) - (held - keep)));
    return lease;
  }

  /** Drop expired leases; returns them. O(leases), run from the alarm, never per request. */
  sweep(now: number): Lease[] {
    const expired: Lease[] = [];
    for (const lease of this.#leases.values()) if (lease.expiresAt <= now) expired.push(lease);
    for (const lease of expired) this.release(lease.id);
    return expired;
  }

  /** Leases held across all origins. */
  total(): number {
    let n = 0;
    for (const v of this.#inFlight.values()) n += v;
    return n;
  }
}
