import type { KeyLimits } from '../principal.ts';

/** The limits object as the admin API writes it (snake_case) and as it is stored (camelCase JSON). */
export interface WireLimits {
  requests_per_minute?: number | undefined;
  tokens_per_minute?: number | undefined;
  max_concurrent?: number | undefined;
  tokens_per_day?: number | undefined;
  tokens_per_month?: number | undefined;
}

const PAIRS = [
  ['requests_per_minute', 'requestsPerMinute'],
  ['tokens_per_minute', 'tokensPerMinute'],
  ['max_concurrent', 'maxConcurrent'],
  ['tokens_per_day', 'tokensPerDay'],
  ['tokens_per_month', 'tokensPerMonth'],
] as const;

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
