import { z } from '@hono/zod-openapi';
import type { KeyLimits } from '../principal.ts';

/**
 * The one definition of a key's limits: each limit's wire name (snake_case, the admin API) and stored
 * name (camelCase JSON in the key row), and one bound for all of them. The API's input schema and the
 * check of a stored row are both built from it, so a row can hold nothing the API would refuse.
 */
const PAIRS = [
  ['requests_per_minute', 'requestsPerMinute'],
  ['tokens_per_minute', 'tokensPerMinute'],
  ['max_concurrent', 'maxConcurrent'],
  ['tokens_per_day', 'tokensPerDay'],
  ['tokens_per_month', 'tokensPerMonth'],
] as const;

type Pair = (typeof PAIRS)[number];
type WireName = Pair[0];
type StoredName = Pair[1];

export const MAX_LIMIT = 1_000_000_000_000;
const limit = z.number().int().positive().max(MAX_LIMIT).optional();

function shapeOf<N extends string>(names: readonly N[]): Record<N, typeof limit> {
  return Object.fromEntries(names.map((name) => [name, limit])) as Record<N, typeof limit>;
}

/** The limits object as the admin API takes and shows it. */
export const WireLimitsSchema = z.object(shapeOf<WireName>(PAIRS.map((p) => p[0]))).strict();
/** The limits object as a key row stores it. */
export const StoredLimitsSchema = z.object(shapeOf<StoredName>(PAIRS.map((p) => p[1]))).strict();

/** The limits object as the admin API writes it (snake_case). */
export type WireLimits = { [N in WireName]?: number | undefined };

export function limitsFromWire(wire: WireLimits): KeyLimits {
  const out: KeyLimits = {};
  for (const [w, k] of PAIRS) if (wire[w] !== undefined) out[k] = wire[w];
  return out;
}

export function limitsToWire(limits: KeyLimits | null | undefined): WireLimits {
  const out: WireLimits = {};
  for (const [w, k] of PAIRS) {
    const value = limits?.[k];
    if (typeof value === 'number') out[w] = value;
  }
  return out;
}

const KNOWN_NAMES = new Set<string>(PAIRS.flat());

/** The wire names of the limits, for messages. */
export const LIMIT_NAMES: readonly WireName[] = PAIRS.map((p) => p[0]);

/**
 * Limits named either way (an identity provider's claim object), under the same bounds, as strictly
 * as a stored row. A value that is present but out of bounds is named (`invalid`, its wire name), and
 * so is a field that names no limit (`unknown`): read as absent, either would be no limit.
 */
export function readLimits(
  source: Record<string, unknown>,
): { limits: KeyLimits } | { invalid: WireName } | { unknown: string } {
  const unknown = Object.keys(source).find((name) => !KNOWN_NAMES.has(name));
  if (unknown !== undefined) return { unknown };
  const limits: KeyLimits = {};
  for (const [w, k] of PAIRS) {
    const value = source[k] ?? source[w];
    if (value === undefined || value === null) continue;
    const parsed = limit.safeParse(value);
    if (!parsed.success || parsed.data === undefined) return { invalid: w };
    limits[k] = parsed.data;
  }
  return { limits };
}
