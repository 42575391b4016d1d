import { PoolConfig } from '../../schemas/config.ts';
import type { BreakerState } from './breaker.ts';
import type { KeptBreaker } from './kept-breaker.ts';

/**
 * The pool object's own stored rows, read without trusting them: a row that cannot be read (damaged,
 * or written by a release with another shape) is left out instead of thrown on, since a throw while
 * the object starts would fail every call to the pool. Without its config the object waits for the
 * next request's; without a breaker row the origin starts closed.
 */

const STATES: ReadonlySet<string> = new Set<BreakerState>(['closed', 'open', 'half_open', 'isolated']);
const TIMES = ['trips', 'reopenAt', 'backoffUntil', 'openedAt'] as const;

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function storedConfig(text: string): PoolConfig | undefined {
  const parsed = PoolConfig.safeParse(json(text));
  return parsed.success ? parsed.data : undefined;
}

export function storedBreaker(text: string): KeptBreaker | undefined {
  const value = json(text);
  if (typeof value !== 'object' || value === null) return undefined;
  const row = value as Record<string, unknown>;
  if (typeof row.state !== 'string' || !STATES.has(row.state)) return undefined;
  for (const field of TIMES)
    if (typeof row[field] !== 'number' || !Number.isFinite(row[field])) return undefined;
  const kept: KeptBreaker = {
    snapshot: {
      state: row.state as BreakerState,
      trips: row.trips as number,
      reopenAt: row.reopenAt as number,
      backoffUntil: row.backoffUntil as number,
      openedAt: row.openedAt as number,
      lastReason: typeof row.lastReason === 'string' ? row.lastReason : '',
    },
  };
  if (typeof row.url === 'string') kept.url = row.url;
  if (row.removed === true) kept.removed = true;
  return kept;
}

/** The stored row of a kept breaker: the snapshot's fields, with where and whether it still applies. */
export function breakerRow(kept: KeptBreaker): string {
  return JSON.stringify({ ...kept.snapshot, url: kept.url, removed: kept.removed });
}
