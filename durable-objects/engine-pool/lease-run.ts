import { pullLimitMs } from '../../origins/pull-limits.ts';
import type { PoolConfig } from '../../schemas/config.ts';

/** Engines whose requests may pull a missing model while holding their lease. */
const PULLS_ON_DEMAND: ReadonlySet<string> = new Set(['ollama']);

/**
 * The longest one request may hold its lease: the wait for response headers, then the total limit
 * (which a stream counts from its headers), plus a model pull where the engine pulls on demand. A
 * lease is reclaimed only a margin after this, so a request still within its limits never loses it.
 */
export function leaseRunMs(config: PoolConfig): number {
  const { headersMs, totalMs } = config.timeouts;
  const pulls = PULLS_ON_DEMAND.has(config.protocol) && config.options.pullOnDemand !== false;
  return headersMs + totalMs + (pulls ? pullLimitMs(config.options) : 0);
}
