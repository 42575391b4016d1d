import { JWT_PREFIX, JWT_VAR_NAMES } from './jwt-var-names.ts';
import { SETTINGS } from './settings.ts';

/** `ECO_*` names the gateway reads that are not in the settings table (secrets). */
const OTHER_NAMES = new Set([
  'ECO_INTERNAL_SECRET',
  'ECO_METRICS_TOKEN',
  'ECO_BOOTSTRAP_ADMIN_KEY',
  'ECO_JOB_CALLBACK_SECRET',
  ...JWT_VAR_NAMES,
]);

/** Every `ECO_*` name the gateway reads, settings first. */
const NAMES = [...Object.keys(SETTINGS), ...OTHER_NAMES];

/** A name without its unit: a unit left out or written another way is the same setting. */
const UNIT = /_(MS|MILLIS|MILLISECONDS|S|SEC|SECS|SECONDS|M|MIN|MINS|MINUTES|H|HOURS|D|DAYS|BYTES|KB|MB)$/;
const stem = (name: string) => name.replace(UNIT, '');

/**
 * The name an unknown var most likely misspells (its unit left out or another one, as `…_TTL`
 * or `…_TTL_S` for `ECO_KEY_CACHE_TTL_MS`; another case; two letters off), or null. Only names this close are suspected: bots name secrets of
 * their own, and those are nobody's typo. `ECO_JWT_*` is the gateway's alone: any name there it does not
 * read is a mistake, and the nearest JWT var is named.
 */
export function misspeltSetting(name: string): string | null {
  if (!name.toUpperCase().startsWith('ECO_') || name in SETTINGS || OTHER_NAMES.has(name)) return null;
  const upper = name.toUpperCase();
  for (const known of NAMES) {
    if (distanceAtMost(upper, known, 2) || distanceAtMost(stem(upper), stem(known), 1)) return known;
  }
  return upper.startsWith(JWT_PREFIX) ? nearest(upper, JWT_VAR_NAMES) : null;
}

function nearest(name: string, candidates: readonly string[]): string {
  let best = candidates[0]!;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Whether `a` becomes `b` in at most `max` single-character edits (Levenshtein, banded). */
function distanceAtMost(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      if (value < best) best = value;
    }
    if (best > max) return false;
    previous = current;
  }
  return previous[b.length]! <= max;
}
