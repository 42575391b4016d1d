import type { Lease } from './types.ts';

/** Margin over the pool's total timeout before an unreleased lease is reclaimed. */
export const LEASE_MARGIN_MS = 30_000;

/** What changed since the last `takeChanges`: leases to store (as they are now) and ids to drop. */
export interface LeaseChanges {
  put: Lease[];
  drop: string[];
}

/**
 * In-flight accounting of one pool: which origin each live lease holds. Leases expire on their own
 * (the pool's total timeout plus a margin) so an isolate that died mid-request can never hold a slot.
 * Every change is noted, so the object can store the table and restore it after a restart: otherwise
 * a restarted pool would count the requests still running as free room and admit past capacity.
 * Pure: the clock is passed in.
 */
export class LeaseTable {
  readonly #leases = new Map<string, Lease>();
  readonly #inFlight = new Map<string, number>();
  readonly #changed = new Set<string>();
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
    this.#add(lease);
    return lease;
  }

  /** The last sequence number used in a lease id (stored, so that a restarted table goes on past it). */
  get seq(): number {
    return this.#seq;
  }

  /**
   * Leases stored before a restart, back in the table (expired ones are left out). Lease ids made
   * from here on never repeat theirs, nor any id made before `seqFloor`: request ids may repeat (a
   * caller's own x-request-id), and a late release of a lease already gone must not free a new one.
   */
  restore(leases: readonly Lease[], now: number, seqFloor = 0): void {
    if (seqFloor > this.#seq) this.#seq = seqFloor;
    for (const lease of leases) {
      const seq = Number(lease.id.slice(lease.id.lastIndexOf(':') + 1));
      if (Number.isSafeInteger(seq) && seq > this.#seq) this.#seq = seq;
      if (lease.expiresAt > now && !this.#leases.has(lease.id)) {
        this.#leases.set(lease.id, lease);
        this.#inFlight.set(lease.originId, this.inFlight(lease.originId) + (lease.slots ?? 1));
      } else {
        this.#changed.add(lease.id);
      }
    }
  }

  get hasChanges(): boolean {
    return this.#changed.size > 0;
  }

  /** Changes taken but not stored (the write failed): they go out with the next ones. */
  keepChanges(changes: LeaseChanges): void {
    for (const lease of changes.put) this.#changed.add(lease.id);
    for (const id of changes.drop) this.#changed.add(id);
  }

  /** The changes since the last call, for storage; each id once, as it stands now. */
  takeChanges(): LeaseChanges | undefined {
    if (this.#changed.size === 0) return undefined;
    const changes: LeaseChanges = { put: [], drop: [] };
    for (const id of this.#changed) {
      const lease = this.#leases.get(id);
      if (lease) changes.put.push(lease);
      else changes.drop.push(id);
    }
    this.#changed.clear();
    return changes;
  }

  #add(lease: Lease): void {
    this.#leases.set(lease.id, lease);
    this.#inFlight.set(lease.originId, this.inFlight(lease.originId) + (lease.slots ?? 1));
    this.#changed.add(lease.id);
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
    if (keep !== held) this.#changed.add(leaseId);
    this.#inFlight.set(lease.originId, Math.max(0, this.inFlight(lease.originId) - (held - keep)));
    return lease;
  }

  /**
   * A caller's report on a lease: release it or, for a block, shrink it to `keepSlots`. A request
   * served from a block that has already given all its slots back still names its origin, so its
   * outcome (`reported`) is not lost: it comes back as a slot-less lease of that origin, at the `url`
   * the block was on ('' when the report names none). Undefined: nothing to do.
   */
  settle(
    leaseId: string,
    keepSlots: number | undefined,
    originId: string | undefined,
    url: string | undefined,
    reported: boolean,
  ): Lease | undefined {
    const held = this.#leases.get(leaseId);
    if (held)
      return held.block !== undefined && keepSlots !== undefined
        ? this.shrink(leaseId, keepSlots)
        : this.release(leaseId);
    if (originId !== undefined && reported) return { id: leaseId, originId, url: url ?? '', expiresAt: 0 };
    return undefined;
  }

  /** Drop expired leases; returns them. O(leases), run from the alarm, never per request. */
  sweep(now: number): Lease[] {
    const expired: Lease[] = [];
    for (const lease of this.#leases.values()) if (lease.expiresAt <= now) expired.push(lease);
    for (const lease of expired) this.release(lease.id);
    return expired;
  }

  /** The live leases (for estimates; never mutate them). */
  values(): IterableIterator<Lease> {
    return this.#leases.values();
  }

  /** Leases held across all origins. */
  total(): number {
    let n = 0;
    for (const v of this.#inFlight.values()) n += v;
    return n;
  }
}
