import { pullLimitMs } from '../../origins/pull-limits.ts';
import type { PoolConfig } from '../../schemas/config.ts';

/** Engines whose requests may pull a missing model while holding their lease. */
const PULLS_ON_DEMAND: ReadonlySet<string> = new Set(['ollama']);

/**
 * The longest one request may hold its lease: the wait for response headers, then the total limit
 * (which a stream counts from its headers). Where the engine pulls a missing model on demand, also
 * the first answer that said so (its headers and error body), the pull's own headers and the pull.
 * A lease is reclaimed only a margin after this, so a request still within its limits keeps it.
 */
export function leaseRunMs(config: PoolConfig): number {
  const { headersMs, idleMs, totalMs } = config.timeouts;
  const pulls = PULLS_ON_DEMAND.has(config.protocol) && config.options.pullOnDemand !== false;
  const pull = pulls ? headersMs + idleMs + headersMs + pullLimitMs(config.options) : 0;
  return headersMs + totalMs + pull;
}
