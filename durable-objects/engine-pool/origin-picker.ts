import type { HashRing } from './bounded-load-hash.ts';
import type { Breaker } from './breaker.ts';
import type { OriginStats } from './origin-stats.ts';
import type { ProbeResult } from './types.ts';

/** One configured origin as the pool object tracks it. */
export interface OriginSlot {
  id: string;
  url: string;
  capacity: number;
  weight: number;
  breaker: Breaker;
  stats: OriginStats;
  probe?: ProbeResult;
  /** Breaker version last written to storage. */
  persistedVersion: number;
}

export interface PickRequest {
  avoid?: readonly string[] | undefined;
  affinityKey?: string | undefined;
}

export type Pick = { slot: OriginSlot; probe: boolean } | { slot?: undefined; reason: 'full' | 'open' };

/** Health probes say the origin cannot serve (down, or still loading its model). */
export function probeBlocks(slot: OriginSlot): boolean {
  return slot.probe !== undefined && slot.probe.state !== 'ready';
}

/** Could take traffic once a slot frees up: healthy and not held back by its breaker or a back-off. */
export function isAlive(slot: OriginSlot, now: number): boolean {
  if (probeBlocks(slot)) return false;
  if (slot.breaker.availableAt(now) > now) return false;
  // An open circuit past its cooldown is half-open in all but name until `admits` or the alarm ticks it.
  return slot.breaker.state !== 'isolated';
}

export function anyAlive(slots: Iterable<OriginSlot>, now: number): boolean {
  for (const slot of slots) if (isAlive(slot, now)) return true;
  return false;
}

/** Some origin could take a request now, by the same rules as `pickOrigin`. */
export function hasRoom(slots: Iterable<OriginSlot>, inFlight: (id: string) => number, now: number): boolean {
  return pickOrigin([...slots], inFlight, {}, undefined, 1, now).slot !== undefined;
}

function score(slot: OriginSlot, inFlight: number): number {
  const waiting = slot.probe?.metrics?.waiting ?? 0;
  const kv = slot.probe?.metrics?.kvCacheUsage ?? 0;
  const load = (inFlight + waiting) / slot.capacity + (kv >= 0.95 ? 0.5 : 0);
  return load / Math.max(slot.weight, 0.001);
}

/**
 * Choose the origin for one request. A half-open origin with a free trial slot goes first (otherwise
 * it would never get the requests that can close it); then affinity under a load bound; then the least
 * loaded relative to capacity, weight and the engine's own queue. Origins the request already failed
 * on are used only when nothing else can take it.
 */
export function pickOrigin(
  slots: readonly OriginSlot[],
  inFlight: (id: string) => number,
  req: PickRequest,
  ring: HashRing | undefined,
  loadFactor: number,
  now: number,
): Pick {
  const avoid = req.avoid && req.avoid.length > 0 ? new Set(req.avoid) : undefined;
  const preferred: { slot: OriginSlot; probe: boolean }[] = [];
  const avoided: { slot: OriginSlot; probe: boolean }[] = [];
  let alive = false;
  for (const slot of slots) {
    if (!isAlive(slot, now)) continue;
    alive = true;
    if (inFlight(slot.id) >= slot.capacity) continue;
    const admit = slot.breaker.admits(now);
    if (!admit.ok) continue;
    (avoid?.has(slot.id) ? avoided : preferred).push({ slot, probe: admit.probe });
  }
  if (!alive) return { reason: 'open' };
  const pool = preferred.length > 0 ? preferred : avoided;
  if (pool.length === 0) return { reason: 'full' };
  const trial = pool.find((c) => c.probe);
  if (trial) return trial;
  if (req.affinityKey !== undefined && ring && pool.length > 1) {
    const byId = new Map(pool.map((c) => [c.slot.id, c]));
    const id = ring.pick(
      req.affinityKey,
      { eligible: (x) => byId.has(x), load: (x) => inFlight(x) / byId.get(x)!.slot.capacity },
      loadFactor,
    );
    const chosen = id === undefined ? undefined : byId.get(id);
    if (chosen) return chosen;
  }
  let best = pool[0]!;
  let bestScore = score(best.slot, inFlight(best.slot.id));
  for (let i = 1; i < pool.length; i++) {
    const s = score(pool[i]!.slot, inFlight(pool[i]!.slot.id));
    if (s < bestScore) {
      best = pool[i]!;
      bestScore = s;
    }
  }
  return best;
}
