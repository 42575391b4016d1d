import type { PoolConfig } from '../../schemas/config.ts';
import { leaseRunMs } from './lease-run.ts';
import { LEASE_MARGIN_MS } from './lease-table.ts';
import { pickOrigin } from './origin-picker.ts';
import type { PoolCore } from './pool-core.ts';
import { refuseNow } from './refusals.ts';
import { reopenIn } from './retry-after.ts';
import { blockFor } from './slot-block.ts';
import type { AcquireRequest, AcquireResult } from './types.ts';

/**
 * Grant a lease at once: on a half-open origin's free trial place first, else on the origin the
 * picker chooses, as a block of slots when the caller can use one. A refusal when the pool has no
 * origin or none can take traffic; undefined when every usable origin is busy, so the caller may queue.
 */
export function tryGrant(core: PoolCore, req: AcquireRequest): AcquireResult | undefined {
  const now = core.now();
  core.lastUsedAt = now;
  const config = core.config!;
  if (core.slots.size === 0) return refuseNow(core, 'no_origins', 5000, `Pool '${req.pool}' has no origins.`);
  const pick = pickOrigin(
    [...core.slots.values()],
    (id) => core.leases.inFlight(id),
    req,
    core.ring,
    config.affinity.loadFactor,
    now,
  );
  if (!pick.slot) {
    if (pick.reason === 'full') return undefined;
    return refuseNow(
      core,
      'open',
      reopenIn(core.slots.values(), config.health.intervalMs ?? 10_000, now),
      `Every origin of pool '${req.pool}' is unavailable (circuit open, backing off or unhealthy).`,
    );
  }
  if (pick.probe) pick.slot.breaker.startProbe();
  const ttl = leaseRunMs(config) + LEASE_MARGIN_MS;
  const block = pick.probe
    ? undefined
    : blockFor(req, pick.slot, {
        // A config written before blocks existed has no `admission`.
        admission: config.admission as PoolConfig['admission'] | undefined,
        cooldownMs: config.breaker.cooldownMs,
        queued: core.queue.size,
        slots: core.slots.values(),
        inFlight: (id) => core.leases.inFlight(id),
        nextDeadline: () => core.nextDeadline(),
        now,
      });
  const lease = core.leases.grant(
    pick.slot.id,
    pick.slot.url,
    req.requestId,
    now + ttl + (block?.useForMs ?? 0),
    pick.probe,
    block?.slots ?? 1,
  );
  if (pick.probe) lease.trialOf = pick.slot.breaker.openedAt;
  core.count('granted');
  if (block) {
    lease.block = block;
    core.count('blocks');
    core.count('block_slots', block.slots);
  }
  return { ok: true, lease };
}
