import type { Lease } from './types.ts';

export interface HeldSlots {
  now: number;
  leases: Iterable<Lease>;
  /** The longest a request holds its lease (see leaseRunMs): every request ends by its start plus this. */
  totalMs: number;
  /** What a lease's expiry adds to the total timeout (see LEASE_MARGIN_MS). */
  leaseMarginMs: number;
  /** How long one request typically holds a slot on this origin; undefined while nothing is known. */
  typicalMs(originId: string): number | undefined;
}

/**
 * Milliseconds from now until the `turn`-th slot of the pool comes free, for a pool with no recent
 * release to measure a drain rate by. Each held slot frees when its request typically ends (its start
 * plus the origin's typical time) or, for a request already past that or with nothing learnt, when the
 * total timeout ends it; after that the slot serves one waiter per typical time. Undefined when no slot
 * is held. `capMs` bounds the search (no answer is ever longer).
 */
export function slotFreeIn(held: HeldSlots, turn: number, capMs: number): number | undefined {
  const { now, totalMs } = held;
  const slots: { freeAt: number; period: number; count: number }[] = [];
  for (const lease of held.leases) {
    const hardEnd = lease.expiresAt - held.leaseMarginMs;
    // A block takes new requests for its window, and each may run the full timeout from there.
    const start = hardEnd - totalMs - (lease.block?.useForMs ?? 0);
    const typical = held.typicalMs(lease.originId);
    const expected = typical === undefined ? hardEnd : start + typical;
    const freeAt = Math.max(now, expected > now ? Math.min(expected, hardEnd) : hardEnd);
    slots.push({ freeAt, period: Math.max(1, typical ?? totalMs), count: lease.slots ?? 1 });
  }
  if (slots.length === 0) return undefined;
  const freedBy = (t: number): number => {
    let n = 0;
    for (const s of slots) if (t >= s.freeAt) n += s.count * (1 + Math.floor((t - s.freeAt) / s.period));
    return n;
  };
  if (freedBy(now + capMs) < turn) return capMs;
  // The smallest wait by which `turn` slots have come free.
  let lo = 0;
  let hi = capMs;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (freedBy(now + mid) >= turn) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
