import type { PoolConfig } from '../../schemas/config.ts';
import { HashRing } from './bounded-load-hash.ts';
import { slotsForConfig } from './config-slots.ts';
import type { KeptBreaker } from './kept-breaker.ts';
import { LeaseTable } from './lease-table.ts';
import type { OriginSlot } from './origin-picker.ts';
import { DrainRate } from './origin-stats.ts';
import { isCurrentTrial, learnOutcome, onCurrentUrl } from './outcome-learning.ts';
import { PriorityQueue } from './priority-queue.ts';
import { admitOrQueue, drainQueue, expireWaiter, refuseWaiting, type Waiter } from './queue-admission.ts';
import type {
  AcquireRequest,
  AcquireResult,
  Lease,
  LeaseOutcome,
  LeaseRelease,
  ProbeResult,
} from './types.ts';

export { LEASE_MARGIN_MS } from './lease-table.ts';
export type { Waiter } from './queue-admission.ts';

/**
 * Everything one pool object knows, without I/O: origins with their breakers and probe results, the
 * lease table, the wait queue and the counters. The Durable Object shell persists breakers and config,
 * runs timers and probes, and calls in here. Every method takes the time from the injected clock.
 * Admission itself lives in grant.ts (at once) and queue-admission.ts (through the queue).
 */
export class PoolCore {
  config: PoolConfig | undefined;
  configKey = '';
  configVersion = 0;
  readonly slots = new Map<string, OriginSlot>();
  readonly leases = new LeaseTable();
  readonly queue = new PriorityQueue<Waiter>(0);
  readonly admissions: Record<string, number> = {};
  readonly drain = new DrainRate();
  /** The affinity ring of the current origins (rebuilt by `configure`). */
  ring: HashRing | undefined;
  /** Ids whose kept breaker changed because their origin left the config (the shell stores them). */
  readonly #keptChanged = new Set<string>();
  lastUsedAt = 0;
  readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /**
   * Apply an offered config only when it is newer than the one held (or none is held): callers may
   * hold stale copies, and an older config must never replace a newer one. False: nothing changed.
   */
  offer(config: PoolConfig, key: string, version: number, saved?: Map<string, KeptBreaker>): boolean {
    // Written so that a missing version (an older caller) counts as not newer.
    if (this.config !== undefined && !(version > this.configVersion)) return false;
    this.configure(config, key, saved, version);
    return true;
  }

  /** Apply a (new) configuration; what origins keep of their breakers: see config-slots.ts. */
  configure(config: PoolConfig, key: string, saved: Map<string, KeptBreaker> = new Map(), version = 0): void {
    this.config = config;
    this.configKey = key;
    this.configVersion = version;
    const next = slotsForConfig(config, this.slots, saved);
    for (const id of next.keptChanged) this.#keptChanged.add(id);
    this.slots.clear();
    for (const [id, slot] of next.slots) this.slots.set(id, slot);
    this.ring = new HashRing([...this.slots.keys()]);
    this.queue.maxDepth = config.queue.maxDepth;
    // Added origins or capacity are room for whoever already waits.
    this.drainQueue();
  }

  /** Ids whose kept breaker changed since the last call: store `saved.get(id)`, or drop the row. */
  takeKeptChanges(): string[] {
    const ids = [...this.#keptChanged];
    this.#keptChanged.clear();
    return ids;
  }

  /**
   * Leases stored before a restart: their requests may still be running, so their slots stay taken.
   * A restored half-open trial still counts as the origin's trial in flight.
   */
  restoreLeases(leases: readonly Lease[], seqFloor = 0): void {
    this.leases.restore(leases, this.now(), seqFloor);
    for (const lease of leases) {
      if (this.leases.get(lease.id) === undefined) continue;
      const slot = this.slots.get(lease.originId);
      if (slot && isCurrentTrial(slot, lease) && slot.breaker.state === 'half_open')
        slot.breaker.startProbe();
    }
  }

  /** Add to one of the `admissions` counters. */
  count(key: string, by = 1): void {
    this.admissions[key] = (this.admissions[key] ?? 0) + by;
  }

  /** Admit, queue or refuse. `resolve` is called exactly once (perhaps synchronously). */
  acquire(req: AcquireRequest, resolve: (r: AcquireResult) => void): Waiter | undefined {
    return admitOrQueue(this, req, resolve);
  }

  /** Serve waiters while some origin has room (see queue-admission.ts). */
  drainQueue(): void {
    drainQueue(this);
  }

  /** The pool was deleted: everyone waiting is told so (and may fail over), none was cancelled. */
  refuseWaiting(pool: string): void {
    refuseWaiting(this, pool);
  }

  /** The waiter's deadline passed or its caller went away. */
  expire(waiter: Waiter, reason: 'timeout' | 'cancelled'): void {
    expireWaiter(this, waiter, reason);
  }

  /**
   * Finish a lease (or, for a block, shrink it to `keepSlots`) and feed the outcome, if any, to the
   * origin's breaker, unless the lease was on a URL the origin no longer has. True when a breaker
   * changed state.
   */
  release(
    leaseId: string,
    outcome: LeaseOutcome | undefined,
    keepSlots?: number,
    originId?: string,
    url?: string,
  ): boolean {
    const lease = this.leases.settle(leaseId, keepSlots, originId, url, outcome !== undefined);
    if (!lease) return false;
    let changed = false;
    if (outcome) {
      const now = this.now();
      this.drain.add(now);
      const slot = this.slots.get(lease.originId);
      if (slot && onCurrentUrl(slot, lease))
        changed = learnOutcome(slot, lease, outcome, this.config?.slo.ttftMs, now);
    }
    this.drainQueue();
    return changed;
  }

  /** Finish a batch of leases (each as `release`). True when a breaker changed state. */
  releaseMany(releases: readonly LeaseRelease[]): boolean {
    let changed = false;
    for (const r of releases)
      changed = this.release(r.leaseId, r.outcome, r.keepSlots, r.originId, r.url) || changed;
    return changed;
  }

  /** Alarm work: half-open due breakers, reclaim expired leases, serve the queue. */
  tick(): { changed: boolean; expired: number } {
    const now = this.now();
    let changed = false;
    for (const slot of this.slots.values()) changed = slot.breaker.tick(now) || changed;
    const expired = this.leases.sweep(now);
    for (const lease of expired) {
      const slot = this.slots.get(lease.originId);
      slot?.stats.count('expired');
      if (slot && isCurrentTrial(slot, lease)) slot.breaker.record('neutral', now, true);
    }
    this.drainQueue();
    return { changed, expired: expired.length };
  }

  /**
   * A probe's finding on the origin at `url`. Either way the queue hears of it: a ready origin is room
   * for waiters, and one found down may leave none usable, when waiters are refused at once so they
   * fail over.
   */
  recordProbe(originId: string, url: string, result: ProbeResult): void {
    const slot = this.slots.get(originId);
    // A round that was running when health checks were turned off: no later probe would replace it.
    if (!slot || this.config?.health.enabled === false) return;
    // A round that began before the origin moved: it found out about the machine it left.
    if (slot.url !== url) return;
    slot.probe = result;
    this.drainQueue();
  }

  /** Earliest time anything changes by itself: breaker deadlines and lease expiry. */
  nextDeadline(): number | undefined {
    const now = this.now();
    let next: number | undefined;
    for (const slot of this.slots.values()) {
      const d = slot.breaker.nextDeadline(now);
      if (d !== undefined && (next === undefined || d < next)) next = d;
    }
    return next;
  }
}
