import type { PoolConfig } from '../../schemas/config.ts';
import { Breaker } from './breaker.ts';
import { type KeptBreaker, keptAfterRemoval, startingSnapshot } from './kept-breaker.ts';
import type { OriginSlot } from './origin-picker.ts';
import { OriginStats } from './origin-stats.ts';

/**
 * The origin slots for a (new) configuration. Breakers of origins that stay at their URL keep their
 * state; an origin at a new URL is a new machine and starts fresh; `saved` (breakers kept by the
 * shell) is trimmed in place for origins that left, so that adding one back later does not revive
 * its old state (see kept-breaker.ts). Returns the slots and the ids whose kept breaker changed.
 */
export function slotsForConfig(
  config: PoolConfig,
  current: ReadonlyMap<string, OriginSlot>,
  saved: Map<string, KeptBreaker>,
): { slots: Map<string, OriginSlot>; keptChanged: string[] } {
  const slots = new Map<string, OriginSlot>();
  for (const o of config.origins) {
    const old = current.get(o.id);
    if (old && old.url === o.url) {
      old.breaker.configure(config.breaker);
      const { probe, ...kept } = old;
      // With health checks off, no probe will ever replace the last verdict: it must not keep ruling.
      const stillProbed = config.health.enabled && probe !== undefined;
      slots.set(o.id, { ...kept, capacity: o.capacity, weight: o.weight, ...(stillProbed ? { probe } : {}) });
      continue;
    }
    const kept = old ? undefined : saved.get(o.id);
    const breaker = new Breaker(config.breaker, startingSnapshot(kept, o.url));
    slots.set(o.id, {
      id: o.id,
      url: o.url,
      capacity: o.capacity,
      weight: o.weight,
      breaker,
      stats: new OriginStats(),
      // Stored at once unless the row already says exactly this, so a restart finds the same.
      persistedVersion: kept && !kept.removed && kept.url === o.url ? breaker.version : -1,
    });
  }
  const keptChanged: string[] = [];
  for (const [id, kept] of saved) {
    if (slots.has(id) || kept.removed) continue;
    const left = keptAfterRemoval(kept);
    if (left) saved.set(id, left);
    else saved.delete(id);
    keptChanged.push(id);
  }
  return { slots, keptChanged };
}
