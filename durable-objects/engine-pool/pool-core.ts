import type { PoolConfig } from '../../schemas/config.ts';
import { HashRing } from './bounded-load-hash.ts';
import { Breaker, type BreakerSignal } from './breaker.ts';
import { type KeptBreaker, keptAfterRemoval, startingSnapshot } from './kept-breaker.ts';
import { LeaseTable } from './lease-table.ts';
import { isAlive, type OriginSlot, pickOrigin } from './origin-picker.ts';
import { DrainRate, OriginStats } from './origin-stats.ts';
import { PriorityQueue, type QueueEntry } from './priority-queue.ts';
import { slotFreeIn } from './slot-free-estimate.ts';
import type {
  AcquireRequest,
  AcquireResult,
  Lease,
  LeaseOutcome,
  LeaseRelease,
  ProbeResult,
} from './types.ts';

/** Margin over the pool's total timeout before an unreleased lease is reclaimed. */
export const LEASE_MARGIN_MS = 30_000;
const MIN_RETRY_MS = 1000;
/** A block shorter than this is not worth its bookkeeping. */
const MIN_BLOCK_WINDOW_MS = 50;
const MAX_RETRY_MS = 60_000;

export interface Waiter extends QueueEntry {
  req: AcquireRequest;
  enqueuedAt: number;
  deadline: number;
  resolve(result: AcquireResult): void;
}

type Refusal = Extract<AcquireResult, { ok: false }>;

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

  /**
   * Apply a (new) configuration. Breakers of origins that stay at their URL keep their state; an
   * origin at a new URL is a new machine and starts fresh; `saved` (breakers kept by the shell) is
   * trimmed for origins that left, so that adding one back later does not revive its old state (see
   * kept-breaker.ts).
   */
  configure(config: PoolConfig, key: string, saved: Map<string, KeptBreaker> = new Map(), version = 0): void {
    this.config = config;
    this.configKey = key;
    this.configVersion = version;
    const next = new Map<string, OriginSlot>();
    for (const o of config.origins) {
      const old = this.slots.get(o.id);
      if (old && old.url === o.url) {
        old.breaker.configure(config.breaker);
        next.set(o.id, { ...old, capacity: o.capacity, weight: o.weight });
        continue;
      }
      const kept = old ? undefined : saved.get(o.id);
      const breaker = new Breaker(config.breaker, startingSnapshot(kept, o.url));
      const slot: OriginSlot = {
        id: o.id,
        url: o.url,
        capacity: o.capacity,
        weight: o.weight,
        breaker,
        stats: new OriginStats(),
        // Stored at once unless the row already says exactly this, so a restart finds the same.
        persistedVersion: kept && !kept.removed && kept.url === o.url ? breaker.version : -1,
      };
      next.set(o.id, slot);
    }
    for (const [id, kept] of saved) {
      if (next.has(id) || kept.removed) continue;
      const left = keptAfterRemoval(kept);
      if (left) saved.set(id, left);
      else saved.delete(id);
      this.#keptChanged.add(id);
    }
    this.slots.clear();
    for (const [id, slot] of next) this.slots.set(id, slot);
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

  #count(key: string): void {
    this.admissions[key] = (this.admissions[key] ?? 0) + 1;
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
        this.#reopenIn(now),
        `Every origin of pool '${req.pool}' is unavailable (circuit open, backing off or unhealthy).`,
      );
    }
    if (pick.probe) pick.slot.breaker.startProbe();
    const ttl = config.timeouts.totalMs + LEASE_MARGIN_MS;
    const block = pick.probe ? undefined : this.#block(req, pick.slot, now);
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
      this.admissions.block_slots = (this.admissions.block_slots ?? 0) + block.slots;
    }
    return { ok: true, lease };
  }

  /**
   * A block of slots on `slot` for this caller, or undefined: only for callers that can use one, with
   * nobody queued, on a closed circuit while no origin of the pool is half-open, without affinity
   * (which must pick per request), and at most a quarter of the origin's free slots, so that blocks
   * never hold back much of a pool's room. A block never outlives the next breaker deadline: when an
   * origin turns half-open, its trial requests must come through here, not go to a block elsewhere.
   */
  #block(
    req: AcquireRequest,
    slot: OriginSlot,
    now: number,
  ): { slots: number; useForMs: number } | undefined {
    // A config written before blocks existed has no `admission`: no blocks for it.
    const admission = this.config!.admission as PoolConfig['admission'] | undefined;
    if (!req.block || !admission || admission.blockSize < 2) return undefined;
    if (req.affinityKey !== undefined || this.queue.size > 0 || slot.breaker.state !== 'closed')
      return undefined;
    for (const other of this.slots.values()) if (other.breaker.state === 'half_open') return undefined;
    const slots = Math.min(
      admission.blockSize,
      Math.floor((slot.capacity - this.leases.inFlight(slot.id)) / 4),
    );
    if (slots < 2) return undefined;
    const until = this.nextDeadline();
    const useForMs = Math.min(
      admission.blockWindowMs,
      until === undefined ? Number.POSITIVE_INFINITY : until - now,
    );
    return useForMs >= MIN_BLOCK_WINDOW_MS ? { slots, useForMs } : undefined;
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
      if (!this.#anyAlive(now)) return void resolve(this.tryGrant(req) ?? this.#full(req, 'full'));
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
      if (!this.#anyAlive(now)) {
        for (let w = this.queue.take(); w; w = this.queue.take())
          w.resolve(this.tryGrant(w.req) ?? this.#full(w.req, 'full'));
        return;
      }
      const room = pickOrigin(
        [...this.slots.values()],
        (id) => this.leases.inFlight(id),
        {},
        undefined,
        1,
        now,
      );
      if (!room.slot) return;
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

  #anyAlive(now: number): boolean {
    for (const slot of this.slots.values()) if (isAlive(slot, now)) return true;
    return false;
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
    const held = this.leases.get(leaseId);
    let lease: Lease | undefined;
    if (held) {
      lease =
        held.block !== undefined && keepSlots !== undefined
          ? this.leases.shrink(leaseId, keepSlots)!
          : this.leases.release(leaseId)!;
    } else if (originId !== undefined && outcome) {
      // A request served from a block that has already given all its slots back.
      lease = { id: leaseId, originId, url: '', expiresAt: 0 };
    } else {
      return false;
    }
    let changed = false;
    if (outcome) {
      const now = this.now();
      this.drain.add(now);
      const slot = this.slots.get(lease.originId);
      if (slot) changed = this.#learn(slot, lease, outcome, now);
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

  #learn(slot: OriginSlot, lease: Lease, outcome: LeaseOutcome, now: number): boolean {
    const slo = this.config?.slo.ttftMs;
    const slow =
      outcome.kind === 'success' && slo !== undefined && outcome.ttftMs !== undefined && outcome.ttftMs > slo;
    slot.stats.count(slow ? 'slow' : outcome.kind);
    if (outcome.latencyMs !== undefined) slot.stats.latency.add(outcome.latencyMs);
    if (outcome.ttftMs !== undefined) slot.stats.ttft.add(outcome.ttftMs);
    if (outcome.kind === 'backoff') slot.breaker.backoff(outcome.retryAfterMs ?? 1000, now);
    const signal: BreakerSignal =
      outcome.kind === 'failure' || slow ? 'failure' : outcome.kind === 'success' ? 'success' : 'neutral';
    const reason = slow
      ? `time to first token ${outcome.ttftMs} ms over the ${slo} ms objective`
      : outcome.kind === 'failure'
        ? `${outcome.code ?? 'failure'}${outcome.status ? ` (${outcome.status})` : ''}`
        : '';
    return slot.breaker.record(signal, now, isCurrentTrial(slot, lease), reason);
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

  #reopenIn(now: number): number {
    let soonest = Number.POSITIVE_INFINITY;
    for (const slot of this.slots.values()) {
      if (isAlive(slot, now)) return MIN_RETRY_MS;
      const at = slot.breaker.state === 'isolated' ? Number.POSITIVE_INFINITY : slot.breaker.availableAt(now);
      // Unhealthy by probe: the next probe may clear it.
      const probeAt =
        slot.probe && slot.probe.state !== 'ready'
          ? slot.probe.checkedAt + (this.config?.health.intervalMs ?? 10_000)
          : at;
      soonest = Math.min(soonest, Math.max(at, probeAt));
    }
    // Whole seconds, rounded up: Retry-After speaks seconds, and early retries would only bounce.
    const wait = Number.isFinite(soonest) ? Math.ceil((soonest - now) / 1000) * 1000 : MAX_RETRY_MS;
    return clamp(wait);
  }

  /**
   * Retry-After for a full pool: the waiters ahead divided by how fast slots free up or, with no
   * release in the rate's window (just restarted, or every slot held by a long stream), when the
   * held slots should free by their start and their origin's typical request time.
   */
  #full(req: AcquireRequest, reason: 'full' | 'shed' | 'timeout' | 'cancelled'): Refusal {
    const now = this.now();
    const rate = this.drain.perSecond(now);
    const ahead = this.queue.ahead(req.priority) + 1;
    const retryAfterMs = rate > 0 ? clamp((ahead / rate) * 1000) : this.#heldSlotsWait(now, ahead);
    const message =
      reason === 'shed'
        ? `Pool '${req.pool}' is overloaded; this request was shed for higher-priority traffic.`
        : reason === 'timeout'
          ? `Pool '${req.pool}' had no free slot within the queue wait limit.`
          : reason === 'cancelled'
            ? 'The request was cancelled while it waited.'
            : `Pool '${req.pool}' is at capacity and its queue is full.`;
    return this.#refuse(reason, retryAfterMs, message);
  }

  #heldSlotsWait(now: number, turn: number): number {
    const typical = new Map<string, number | undefined>();
    const wait = slotFreeIn(
      {
        now,
        // Slots on origins gone from the config or not taking traffic make no room for anyone.
        leases: [...this.leases.values()].filter((l) => {
          const slot = this.slots.get(l.originId);
          return slot !== undefined && isAlive(slot, now);
        }),
        totalMs: this.config!.timeouts.totalMs,
        leaseMarginMs: LEASE_MARGIN_MS,
        typicalMs: (originId) => {
          if (!typical.has(originId))
            typical.set(originId, this.slots.get(originId)?.stats.latency.percentiles().p50);
          return typical.get(originId);
        },
      },
      turn,
      MAX_RETRY_MS,
    );
    // Whole seconds, rounded up, as for an open circuit. Nothing held: room is due at any moment.
    return wait === undefined ? MIN_RETRY_MS : clamp(Math.ceil(wait / 1000) * 1000);
  }

  #refuse(reason: Refusal['reason'], retryAfterMs: number, message: string): Refusal {
    this.#count(`rejected_${reason}`);
    return { ok: false, reason, retryAfterMs: Math.round(retryAfterMs), message };
  }
}

/**
 * A trial of the origin's current half-open spell. One of an earlier spell (the circuit re-opened
 * while it ran) proves nothing now and holds none of this spell's trial places; a trial stored
 * before spells were recorded counts as current.
 */
function isCurrentTrial(slot: OriginSlot, lease: Lease): boolean {
  return lease.probe === true && (lease.trialOf === undefined || lease.trialOf === slot.breaker.openedAt);
}

function clamp(ms: number): number {
  return Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, ms));
}
