/**
 * How long a grant stays withdrawable by its caller's `cancel`. A cancel sent as the client left, or
 * when the caller lost the connection the grant came back on, may cross the grant on its way: within
 * this time it still frees the slot, rather than leaving it to the lease's expiry (minutes).
 */
export const RECENT_GRANT_MS = 10_000;

/**
 * The leases granted in the last `RECENT_GRANT_MS`, by the key their caller cancels with. Entries are
 * kept in grant order, so old ones are dropped from the front: O(1) amortised per grant. Pure: the
 * clock is passed in.
 */
export class RecentGrants {
  readonly #grants = new Map<string, { leaseId: string; at: number }>();

  note(key: string, leaseId: string, now: number): void {
    this.#prune(now);
    // Re-inserted, so that grant order stays the map's order.
    this.#grants.delete(key);
    this.#grants.set(key, { leaseId, at: now });
  }

  /** The lease granted under `key` within the window, forgotten as it is taken. */
  take(key: string, now: number): string | undefined {
    this.#prune(now);
    const grant = this.#grants.get(key);
    if (!grant) return undefined;
    this.#grants.delete(key);
    return grant.leaseId;
  }

  get size(): number {
    return this.#grants.size;
  }

  #prune(now: number): void {
    for (const [key, grant] of this.#grants) {
      if (now - grant.at < RECENT_GRANT_MS) return;
      this.#grants.delete(key);
    }
  }
}
