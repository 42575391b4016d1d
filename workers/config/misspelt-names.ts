import { SETTINGS, type SettingName } from './settings.ts';

/** `ECO_*` names the gateway reads that are not in the settings table (secrets). */
const OTHER_NAMES = new Set([
  'ECO_INTERNAL_SECRET',
  'ECO_METRICS_TOKEN',
  'ECO_BOOTSTRAP_ADMIN_KEY',
  'ECO_JOB_CALLBACK_SECRET',
]);

const NAMES = Object.keys(SETTINGS) as SettingName[];

/** A name without its unit: a unit left out or written another way is the same setting. */
const UNIT = /_(MS|MILLIS|MILLISECONDS|S|SEC|SECS|SECONDS|M|MIN|MINS|MINUTES|H|HOURS|D|DAYS|BYTES|KB|MB)$/;
const stem = (name: string) => name.replace(UNIT, '');

/**
 * The setting an unknown var name most likely misspells (its unit left out or another one, as `…_TTL`
 * or `…_TTL_S` for `ECO_KEY_CACHE_TTL_MS`; another case; two letters off), or null. Only names this close are suspected: bots name secrets of
 * their own, and those are nobody's typo.
 */
export function misspeltSetting(name: string): SettingName | null {
  if (!name.toUpperCase().startsWith('ECO_') || name in SETTINGS || OTHER_NAMES.has(name)) return null;
  if (name.startsWith('ECO_JWT_')) return null;
  const upper = name.toUpperCase();
  for (const known of NAMES) {
    if (distanceAtMost(upper, known, 2) || distanceAtMost(stem(upper), stem(known), 1)) return known;
  }
  return null;
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
