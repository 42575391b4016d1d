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

  grant(originId: string, url: string, requestId: string, expiresAt: number, probe: boolean): Lease {
    const lease: Lease = { id: `${requestId}:${++this.#seq}`, originId, url, expiresAt };
    if (probe) lease.probe = true;
    this.#leases.set(lease.id, lease);
    this.#inFlight.set(originId, this.inFlight(originId) + 1);
    return lease;
  }

  /** Returns the released lease, or undefined when it was unknown or already gone (idempotent). */
  release(leaseId: string): Lease | undefined {
    const lease = this.#leases.get(leaseId);
    if (!lease) return undefined;
    this.#leases.delete(leaseId);
    this.#inFlight.set(lease.originId, Math.max(0, this.inFlight(lease.originId) - 1));
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
