import type { PoolConfig } from '../../schemas/config.ts';
import { HashRing } from './bounded-load-hash.ts';
import { slotsForConfig } from './config-slots.ts';
import type { KeptBreaker } from './kept-breaker.ts';
import { LEASE_MARGIN_MS, LeaseTable } from './lease-table.ts';
import { anyAlive, hasRoom, type OriginSlot, pickOrigin } from './origin-picker.ts';
import { DrainRate } from './origin-stats.ts';
import { isCurrentTrial, learnOutcome } from './outcome-learning.ts';
import { PriorityQueue, type QueueEntry } from './priority-queue.ts';
import { type FullReason, fullMessage, type Refusal, refusal } from './refusals.ts';
import { fullPoolRetryAfter, reopenIn } from './retry-after.ts';
import { blockFor } from './slot-block.ts';
import type {
  AcquireRequest,
  AcquireResult,
  Lease,
  LeaseOutcome,
  LeaseRelease,
  ProbeResult,
} from './types.ts';

export { LEASE_MARGIN_MS } from './lease-table.ts';

export interface Waiter extends QueueEntry {
  req: AcquireRequest;
  enqueuedAt: number;
  deadline: number;
  resolve(result: AcquireResult): void;
}

/**
 * Everything one pool object knows, without I/O: origins with their breakers and probe results, the
 * lease table, the wait queue and the counters. The Durable Object shell persists breakers and config,
 * runs timers and probes, and calls in here. Every method takes the time from the injected clock.
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
  #ring: HashRing | undefined;
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
    this.#ring = new HashRing([...this.slots.keys()]);
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

  #count(key: string, by = 1): void {
    this.admissions[key] = (this.admissions[key] ?? 0) + by;
  }

  /** Try to grant at once. Undefined: every usable origin is busy, so the caller may queue. */
  tryGrant(req: AcquireRequest): AcquireResult | undefined {
    const now = this.now();
    this.lastUsedAt = now;
    const config = this.config!;
    if (this.slots.size === 0) return this.#refuse('no_origins', 5000, `Pool '${req.pool}' has no origins.`);
    const pick = pickOrigin(
      [...this.slots.values()],
      (id) => this.leases.inFlight(id),
      req,
      this.#ring,
      config.affinity.loadFactor,
      now,
    );
    if (!pick.slot) {
      if (pick.reason === 'full') return undefined;
      return this.#refuse(
        'open',
        reopenIn(this.slots.values(), config.health.intervalMs ?? 10_000, now),
        `Every origin of pool '${req.pool}' is unavailable (circuit open, backing off or unhealthy).`,
      );
    }
    if (pick.probe) pick.slot.breaker.startProbe();
    const ttl = config.timeouts.totalMs + LEASE_MARGIN_MS;
    const block = pick.probe
      ? undefined
      : blockFor(req, pick.slot, {
          // A config written before blocks existed has no `admission`.
          admission: config.admission as PoolConfig['admission'] | undefined,
          queued: this.queue.size,
          slots: this.slots.values(),
          inFlight: (id) => this.leases.inFlight(id),
          nextDeadline: () => this.nextDeadline(),
          now,
        });
    const lease = this.leases.grant(
      pick.slot.id,
      pick.slot.url,
      req.requestId,
      now + ttl + (block?.useForMs ?? 0),
      pick.probe,
      block?.slots ?? 1,
    );
    if (pick.probe) lease.trialOf = pick.slot.breaker.openedAt;
    this.#count('granted');
    if (block) {
      lease.block = block;
      this.#count('blocks');
      this.#count('block_slots', block.slots);
    }
    return { ok: true, lease };
  }

  /** Admit, queue or refuse. `resolve` is called exactly once (perhaps synchronously). */
  acquire(req: AcquireRequest, resolve: (r: AcquireResult) => void): Waiter | undefined {
    const now = this.now();
    // Waiters of the same or a higher class are served first: no overtaking within the queue.
    if (this.queue.ahead(req.priority) === 0) {
      const granted = this.tryGrant(req);
      if (granted) return void resolve(granted);
    } else {
      this.lastUsedAt = now;
      if (!anyAlive(this.slots.values(), now))
        return void resolve(this.tryGrant(req) ?? this.#full(req, 'full'));
    }
    const config = this.config!;
    const maxWait = Math.min(req.maxWaitMs ?? config.queue.maxWaitMs, config.queue.maxWaitMs);
    if (maxWait <= 0) return void resolve(this.#full(req, 'full'));
    const waiter: Waiter = {
      tenant: req.tenant,
      priority: req.priority,
      req,
      enqueuedAt: now,
      deadline: now + maxWait,
      resolve,
    };
    const offered = this.queue.offer(waiter);
    if (!offered.ok) return void resolve(this.#full(req, 'full'));
    if (offered.shed) offered.shed.resolve(this.#full(offered.shed.req, 'shed'));
    this.#count('queued');
    this.drainQueue();
    return waiter.queueState === 'waiting' ? waiter : undefined;
  }

  /**
   * Grant slots to waiters in queue order while some origin has room. When no origin is alive any
   * more, waiters are refused at once (503) so they fail over instead of waiting out their deadline.
   */
  drainQueue(): void {
    const now = this.now();
    while (this.queue.size > 0) {
      if (!anyAlive(this.slots.values(), now)) {
        for (let w = this.queue.take(); w; w = this.queue.take())
          w.resolve(this.tryGrant(w.req) ?? this.#full(w.req, 'full'));
        return;
      }
      if (!hasRoom(this.slots.values(), (id) => this.leases.inFlight(id), now)) return;
      const head = this.queue.take();
      if (!head) return;
      // The deadline timer may run late: a waiter past its deadline gets its 429, never the slot.
      if (head.deadline <= now) {
        head.resolve(this.#full(head.req, 'timeout'));
        continue;
      }
      // Room was checked with the same rules, so this grants (or refuses outright).
      const result = this.tryGrant(head.req) ?? this.#full(head.req, 'full');
      if (result.ok) result.queuedMs = now - head.enqueuedAt;
      head.resolve(result);
    }
  }

  /** The pool was deleted: everyone waiting is told so (and may fail over), none was cancelled. */
  refuseWaiting(pool: string): void {
    for (let w = this.queue.take(); w; w = this.queue.take())
      w.resolve(this.#refuse('no_origins', 5000, `Pool '${pool}' was deleted while this request waited.`));
  }

  /** The waiter's deadline passed or its caller went away. */
  expire(waiter: Waiter, reason: 'timeout' | 'cancelled'): void {
    if (!this.queue.cancel(waiter)) return;
    waiter.resolve(this.#full(waiter.req, reason));
  }

  /**
   * Finish a lease (or, for a block, shrink it to `keepSlots`) and feed the outcome, if any, to the
   * origin's breaker. True when a breaker changed state.
   */
  release(
    leaseId: string,
    outcome: LeaseOutcome | undefined,
    keepSlots?: number,
    originId?: string,
  ): boolean {
    const lease = this.leases.settle(leaseId, keepSlots, originId, outcome !== undefined);
    if (!lease) return false;
    let changed = false;
    if (outcome) {
      const now = this.now();
      this.drain.add(now);
      const slot = this.slots.get(lease.originId);
      if (slot) changed = learnOutcome(slot, lease, outcome, this.config?.slo.ttftMs, now);
    }
    this.drainQueue();
    return changed;
  }

  /** Finish a batch of leases (each as `release`). True when a breaker changed state. */
  releaseMany(releases: readonly LeaseRelease[]): boolean {
    let changed = false;
    for (const r of releases)
      changed = this.release(r.leaseId, r.outcome, r.keepSlots, r.originId) || changed;
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

  recordProbe(originId: string, result: ProbeResult): void {
    const slot = this.slots.get(originId);
    if (!slot) return;
    slot.probe = result;
    if (result.state === 'ready') this.drainQueue();
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

  /** A refusal for a caller who found no free slot, with its Retry-After (see retry-after.ts). */
  #full(req: AcquireRequest, reason: FullReason): Refusal {
    const now = this.now();
    const retryAfterMs = fullPoolRetryAfter({
      now,
      drainPerSecond: this.drain.perSecond(now),
      turn: this.queue.ahead(req.priority) + 1,
      leases: this.leases.values(),
      slots: this.slots,
      totalMs: this.config!.timeouts.totalMs,
      leaseMarginMs: LEASE_MARGIN_MS,
    });
    return this.#refuse(reason, retryAfterMs, fullMessage(req.pool, reason));
  }

  #refuse(reason: Refusal['reason'], retryAfterMs: number, message: string): Refusal {
    this.#count(`rejected_${reason}`);
    return refusal(reason, retryAfterMs, message);
  }
}
