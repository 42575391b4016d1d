import { isAlive, type OriginSlot } from './origin-picker.ts';
import { slotFreeIn } from './slot-free-estimate.ts';
import type { Lease } from './types.ts';

/** Bounds of every Retry-After the pool gives: sooner would only bounce, later is never needed. */
export const MIN_RETRY_MS = 1000;
export const MAX_RETRY_MS = 60_000;

export function clampRetry(ms: number): number {
  return Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, ms));
}

/** Whole seconds, rounded up: Retry-After speaks seconds, and early retries would only bounce. */
function wholeSeconds(ms: number): number {
  return Math.ceil(ms / 1000) * 1000;
}

/**
 * Retry-After when no origin can take traffic: until the soonest one may again (breaker deadline, or
 * the next probe of one unhealthy by probe). Isolated origins never come back by themselves.
 */
export function reopenIn(slots: Iterable<OriginSlot>, probeIntervalMs: number, now: number): number {
  let soonest = Number.POSITIVE_INFINITY;
  for (const slot of slots) {
    if (isAlive(slot, now)) return MIN_RETRY_MS;
    const at = slot.breaker.state === 'isolated' ? Number.POSITIVE_INFINITY : slot.breaker.availableAt(now);
    // Unhealthy by probe: the next probe may clear it.
    const probeAt = slot.probe && slot.probe.state !== 'ready' ? slot.probe.checkedAt + probeIntervalMs : at;
    soonest = Math.min(soonest, Math.max(at, probeAt));
  }
  const wait = Number.isFinite(soonest) ? wholeSeconds(soonest - now) : MAX_RETRY_MS;
  return clampRetry(wait);
}

export interface FullPoolView {
  now: number;
  /** Releases per second over the drain rate's window (0: none in it). */
  drainPerSecond: number;
  /** This caller's turn: the waiters ahead of it, plus one. */
  turn: number;
  leases: Iterable<Lease>;
  slots: ReadonlyMap<string, OriginSlot>;
  totalMs: number;
  leaseMarginMs: number;
}

/**
 * Retry-After for a full pool: the waiters ahead divided by how fast slots free up or, with no
 * release in the rate's window (just restarted, or every slot held by a long stream), when the
 * held slots should free by their start and their origin's typical request time.
 */
export function fullPoolRetryAfter(view: FullPoolView): number {
  if (view.drainPerSecond > 0) return clampRetry((view.turn / view.drainPerSecond) * 1000);
  return heldSlotsWait(view);
}

function heldSlotsWait(view: FullPoolView): number {
  const { now, slots } = view;
  const typical = new Map<string, number | undefined>();
  const wait = slotFreeIn(
    {
      now,
      // Slots on origins gone from the config or not taking traffic make no room for anyone.
      leases: [...view.leases].filter((l) => {
        const slot = slots.get(l.originId);
        return slot !== undefined && isAlive(slot, now);
      }),
      totalMs: view.totalMs,
      leaseMarginMs: view.leaseMarginMs,
      typicalMs: (originId) => {
        if (!typical.has(originId))
          typical.set(originId, slots.get(originId)?.stats.latency.percentiles().p50);
        return typical.get(originId);
      },
    },
    view.turn,
    MAX_RETRY_MS,
  );
  // Whole seconds, rounded up, as for an open circuit. Nothing held: room is due at any moment.
  return wait === undefined ? MIN_RETRY_MS : clampRetry(wholeSeconds(wait));
}
