import type { BreakerSnapshot } from './breaker.ts';

/**
 * What the pool object keeps of an origin's breaker under its id. Automatic state (open, half-open,
 * trips, back-off) describes one machine, so it is kept only while the origin stays in the pool at
 * the URL it was learned at. An operator's isolation is a decision, not a measurement: it outlives
 * the origin's removal, so taking an origin out and putting it back cannot lift it silently; only
 * `reset`, a new URL (another machine) or deleting the pool does.
 */
export interface KeptBreaker {
  snapshot: BreakerSnapshot;
  /** Where the state was learned; absent in rows stored before URLs were kept (taken as current). */
  url?: string;
  /** The origin left the pool's config; only an isolation is kept for it. */
  removed?: boolean;
}

/** The state an origin with this id and URL starts from, or undefined for a fresh (closed) breaker. */
export function startingSnapshot(kept: KeptBreaker | undefined, url: string): BreakerSnapshot | undefined {
  if (!kept) return undefined;
  if (kept.url !== undefined && kept.url !== url) return undefined;
  return kept.snapshot;
}

/** What stays of a breaker whose origin left the config: an isolation only, else nothing. */
export function keptAfterRemoval(kept: KeptBreaker): KeptBreaker | undefined {
  if (kept.removed) return kept;
  if (kept.snapshot.state !== 'isolated') return undefined;
  const { openedAt, lastReason } = kept.snapshot;
  const snapshot: BreakerSnapshot = {
    state: 'isolated',
    trips: 0,
    reopenAt: 0,
    backoffUntil: 0,
    openedAt,
    lastReason,
  };
  return kept.url === undefined ? { snapshot, removed: true } : { snapshot, url: kept.url, removed: true };
}
