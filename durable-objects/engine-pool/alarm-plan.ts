import type { PoolCore } from './pool-core.ts';

/** How often unreleased leases are looked for while any are held. */
const SWEEP_EVERY_MS = 30_000;
/** A pool nobody used for this long stops probing (and may hibernate) while all is well. */
const IDLE_AFTER_MS = 10 * 60_000;

/** Whether health probes should run at `now` (the next round is due no sooner than `nextProbeAt`). */
export function probeDue(core: PoolCore, nextProbeAt: number, now: number): boolean {
  const config = core.config;
  if (!config?.health.enabled || now < nextProbeAt) return false;
  if (now - core.lastUsedAt < IDLE_AFTER_MS) return true;
  // Idle, but something is wrong: keep watching until it is well again. An isolated origin is held out
  // until an operator resets it, whatever a probe finds: it alone keeps no idle pool probing.
  for (const slot of core.slots.values()) {
    const state = slot.breaker.state;
    if (state === 'isolated') continue;
    if (state !== 'closed' || (slot.probe && slot.probe.state !== 'ready')) return true;
  }
  return false;
}

/**
 * When the object's alarm should next fire: the next breaker deadline, a lease sweep while leases
 * are held, and the next probe round. Undefined: nothing will be due.
 */
export function nextAlarmAt(core: PoolCore, nextProbeAt: number, now: number): number | undefined {
  let next = core.nextDeadline() ?? Number.POSITIVE_INFINITY;
  if (core.leases.size > 0) next = Math.min(next, now + SWEEP_EVERY_MS);
  if (core.config?.health.enabled) {
    const probeAt = Math.max(now, nextProbeAt);
    if (probeDue(core, nextProbeAt, probeAt)) next = Math.min(next, probeAt);
  }
  return Number.isFinite(next) ? next : undefined;
}
