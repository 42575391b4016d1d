import { isAlive } from './origin-picker.ts';
import type { PoolCore } from './pool-core.ts';
import type { OriginLiveState, PoolLiveState } from './types.ts';

/** What the admin API and /metrics see of one pool object: plain data, built on demand. */
export function liveState(core: PoolCore, pool: string): PoolLiveState {
  const now = core.now();
  const origins: OriginLiveState[] = [];
  let alive = 0;
  for (const slot of core.slots.values()) {
    const available = isAlive(slot, now);
    if (available) alive++;
    origins.push({
      id: slot.id,
      url: slot.url,
      capacity: slot.capacity,
      inFlight: core.leases.inFlight(slot.id),
      breaker: { ...slot.breaker.snapshot(), window: slot.breaker.window(now) },
      available,
      ...(slot.probe ? { probe: slot.probe } : {}),
      outcomes: { ...slot.stats.outcomes },
      latency: slot.stats.latency.percentiles(),
      ttft: slot.stats.ttft.percentiles(),
      latencyHistogram: slot.stats.latency.histogram(),
      ttftHistogram: slot.stats.ttft.histogram(),
    });
  }
  const status =
    core.config === undefined
      ? 'idle'
      : alive === 0
        ? 'degraded'
        : alive < core.slots.size
          ? 'partial'
          : 'ok';
  return {
    pool,
    status,
    configKnown: core.config !== undefined,
    configVersion: core.configVersion,
    inFlight: core.leases.total(),
    leases: core.leases.size,
    queue: { depth: core.queue.size, byClass: core.queue.depthByClass(), maxDepth: core.queue.maxDepth },
    admissions: { ...core.admissions },
    drainPerSecond: core.drain.perSecond(now),
    origins,
  };
}
