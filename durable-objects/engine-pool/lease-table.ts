import type { AcquireRequest, AcquireResult, Lease, LeaseOutcome } from './types.ts';

/** Leases expire on their own so that an isolate that died mid-request can never hold a slot. */
export const LEASE_TTL_MS = 15 * 60_000;

/**
 * In-flight accounting of one pool: which origin each live lease holds, and the pick of the least
 * loaded origin relative to its capacity. Pure: the clock is injected.
 */
export class LeaseTable {
  readonly #leases = new Map<string, Lease>();
  readonly #inFlight = new Map<string, number>();
  readonly #now: () => number;
  #seq = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  inFlight(originId: string): number {
    return this.#inFlight.get(originId) ?? 0;
  }

  /** In-flight count per origin id. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#inFlight);
  }

  get size(): number {
    return this.#leases.size;
  }

  acquire(req: AcquireRequest): AcquireResult {
    this.sweep();
    if (req.origins.length === 0) {
      return {
        ok: false,
        reason: 'no_origins',
        retryAfterMs: 5000,
        message: `Pool '${req.pool}' has no origins.`,
      };
    }
    const avoid = new Set(req.avoid ?? []);
    let best: { id: string; url: string; load: number; avoided: boolean } | undefined;
    for (const origin of req.origins) {
      const used = this.inFlight(origin.id);
      if (used >= origin.capacity) continue;
      const candidate = {
        id: origin.id,
        url: origin.url,
        load: used / origin.capacity,
        avoided: avoid.has(origin.id),
      };
      if (!best || better(candidate, best)) best = candidate;
    }
    if (!best) {
      return { ok: false, reason: 'full', retryAfterMs: 1000, message: `Pool '${req.pool}' is at capacity.` };
    }
    const lease: Lease = {
      id: `${req.requestId}:${++this.#seq}`,
      originId: best.id,
      url: best.url,
      expiresAt: this.#now() + LEASE_TTL_MS,
    };
    this.#leases.set(lease.id, lease);
    this.#inFlight.set(best.id, this.inFlight(best.id) + 1);
    return { ok: true, lease };
  }

  /** Returns the released lease, or undefined when it was unknown or already gone (idempotent). */
  release(leaseId: string, _outcome?: LeaseOutcome): Lease | undefined {
    const lease = this.#leases.get(leaseId);
    if (!lease) return undefined;
    this.#leases.delete(leaseId);
    this.#inFlight.set(lease.originId, Math.max(0, this.inFlight(lease.originId) - 1));
    return lease;
  }

  sweep(): number {
    const now = this.#now();
    let expired = 0;
    for (const lease of this.#leases.values()) {
      if (lease.expiresAt <= now) {
        this.release(lease.id);
        expired++;
      }
    }
    return expired;
  }
}

function better(a: { load: number; avoided: boolean }, b: { load: number; avoided: boolean }): boolean {
  if (a.avoided !== b.avoided) return !a.avoided;
  return a.load < b.load;
}
