import { DurableObject } from 'cloudflare:workers';
import { adapterFor } from '../../origins/registry.ts';
import type { PoolConfig } from '../../schemas/config.ts';
import { nextAlarmAt, probeDue } from './alarm-plan.ts';
import { DeadlineHeap } from './deadline-heap.ts';
import { probeAuthHeaders, probePool } from './health-probes.ts';
import type { KeptBreaker } from './kept-breaker.ts';
import { liveState } from './live-state.ts';
import { type BeginResult, ModelPulls, type PullState } from './model-pulls.ts';
import { PoolCore, type Waiter } from './pool-core.ts';
import { createPoolTables, type LeaseRow, leaseOfRow, writeLeases } from './pool-tables.ts';
import { breakerRow, storedBreaker, storedConfig } from './stored-state.ts';
import type {
  AcquireRequest,
  AcquireResult,
  LeaseOutcome,
  LeaseRelease,
  OriginAction,
  PoolLiveState,
} from './types.ts';

/** The most lease changes wait before they are stored (see #storeLeasesSoon). */
const LEASE_STORE_EVERY_MS = 100;
/**
 * How far a restarted object moves lease ids past the stored sequence: more grants than one store
 * window can hold, so ids granted but not yet stored before a crash are not made again either.
 */
const LEASE_SEQ_GAP = 1_000_000;

type PoolEnv = Record<string, unknown>;

/**
 * One per engine pool: the single source of truth for its origins' breakers, in-flight leases, wait
 * queue and health. A thin shell over `PoolCore`: it persists breakers, leases and the config in SQLite, turns
 * queue waits into pending RPC calls with deadline timers, and runs the alarm (breaker cooldowns,
 * lease expiry, health probes), re-armed on start so work resumes after a restart.
 */
export class EnginePool extends DurableObject<PoolEnv> {
  #core = new PoolCore();
  readonly #saved = new Map<string, KeptBreaker>();
  readonly #cancels = new Map<string, () => void>();
  /** Queued waiters by deadline, served by one timer (see deadline-heap.ts). */
  readonly #deadlines = new DeadlineHeap<Waiter>();
  #deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  #deadlineAt = Number.POSITIVE_INFINITY;
  #alarmAt: number | undefined;
  #nextProbeAt = 0;
  #probing: Promise<void> | undefined;
  #leaseTimer: ReturnType<typeof setTimeout> | undefined;
  #leaseStoreFailures = 0;

  constructor(ctx: DurableObjectState, env: PoolEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      const sql = ctx.storage.sql;
      this.#createTables();
      for (const row of sql.exec<{ origin_id: string; snapshot: string }>('SELECT * FROM breakers')) {
        const snapshot = storedBreaker(row.snapshot);
        if (snapshot) this.#saved.set(row.origin_id, snapshot);
      }
      const stored = sql
        .exec<{ key: string; config: string; version: number }>(
          'SELECT key, config, version FROM pool_config',
        )
        .toArray()[0];
      if (stored) {
        const config = storedConfig(stored.config);
        if (config) this.#core.configure(config, stored.key, this.#saved, stored.version);
      }
      this.#storeKeptChanges();
      const seq = sql.exec<{ seq: number }>('SELECT seq FROM lease_seq').toArray()[0]?.seq;
      this.#core.restoreLeases(
        sql.exec<LeaseRow>('SELECT * FROM leases').toArray().map(leaseOfRow),
        seq === undefined ? 0 : seq + LEASE_SEQ_GAP,
      );
      this.#storeLeases(true);
      const alarm = await ctx.storage.getAlarm();
      this.#alarmAt = alarm ?? undefined;
      if (alarm === null || alarm < Date.now()) this.#schedule(true);
    });
  }

  #createTables(): void {
    createPoolTables(this.ctx.storage.sql);
  }

  /**
   * Write the lease table's changes, so that a restarted object still counts running requests, with
   * the id sequence in the same transaction (`force`: the sequence even without lease changes).
   */
  #storeLeases(force = false): void {
    const changes = this.#core.leases.takeChanges();
    if (!changes && !force) return;
    try {
      // One transaction: a write that fails leaves nothing half stored.
      this.ctx.storage.transactionSync(() =>
        writeLeases(this.ctx.storage.sql, this.#core.leases.seq, changes),
      );
    } catch (err) {
      // Kept for the next window instead of lost: a forgotten grant would let the pool overshoot.
      if (changes) this.#core.leases.keepChanges(changes);
      this.#leaseStoreFailures++;
      console.error('engine pool: lease store failed', String(err));
      this.#storeLeasesSoon();
    }
  }

  /** Admit at once, or wait in the priority queue until a slot frees up or the deadline passes. */
  async acquire(req: AcquireRequest): Promise<AcquireResult> {
    this.#apply(req.config, req.configKey, req.configVersion);
    // Releases the caller held back free their slots before this request is decided.
    if (req.releases && this.#core.releaseMany(req.releases)) this.#afterChange();
    const result = await new Promise<AcquireResult>((resolve) => {
      const done = (r: AcquireResult) => {
        this.#cancels.delete(req.requestId);
        resolve(r);
      };
      const waiter = this.#core.acquire(req, done);
      if (!waiter) return;
      this.#deadlines.push(waiter);
      this.#armDeadlineTimer();
      this.#cancels.set(req.requestId, () => this.#core.expire(waiter, 'cancelled'));
    });
    this.#afterChange();
    // The caller's registry is behind: admitted all the same, under this config; it may reload.
    if (result.ok && req.configVersion < this.#core.configVersion)
      result.configVersion = this.#core.configVersion;
    return result;
  }

  #armDeadlineTimer(): void {
    // Waiters already served or withdrawn leave the heap lazily, when they reach its top.
    while (this.#deadlines.peek() && this.#deadlines.peek()!.queueState !== 'waiting') this.#deadlines.pop();
    const next = this.#deadlines.peek();
    if (!next || next.deadline >= this.#deadlineAt) return;
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
    this.#deadlineAt = next.deadline;
    this.#deadlineTimer = setTimeout(() => this.#expireDue(), Math.max(1, next.deadline - Date.now()));
  }

  #expireDue(): void {
    this.#deadlineTimer = undefined;
    this.#deadlineAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    for (
      let w = this.#deadlines.peek();
      w && (w.deadline <= now || w.queueState !== 'waiting');
      w = this.#deadlines.peek()
    ) {
      this.#deadlines.pop();
      if (w.queueState === 'waiting') this.#core.expire(w, 'timeout');
    }
    this.#armDeadlineTimer();
    this.#afterChange();
  }

  /** Finish a lease: free its slot, feed the outcome to the breaker, serve the queue. Idempotent. */
  async release(leaseId: string, outcome: LeaseOutcome): Promise<void> {
    this.#core.release(leaseId, outcome);
    this.#afterChange();
  }

  /** Finish a batch of leases a caller held back (see `release`). */
  async releaseMany(releases: LeaseRelease[]): Promise<void> {
    this.#core.releaseMany(releases);
    this.#afterChange();
  }

  /** The caller stopped waiting (its client went away). */
  async cancel(requestId: string): Promise<void> {
    this.#cancels.get(requestId)?.();
  }

  /** Config pushed by an admin write, so probes and limits follow it before the next request. */
  async configure(config: PoolConfig, configKey: string, configVersion = 0): Promise<void> {
    this.#apply(config, configKey, configVersion);
    this.#afterChange();
  }

  async state(): Promise<PoolLiveState> {
    const live = liveState(this.#core, this.#core.config?.name ?? '');
    if (this.#leaseStoreFailures > 0) live.leaseStoreFailures = this.#leaseStoreFailures;
    // Invisible otherwise, yet applied the moment the origin is added back at its URL.
    const kept = [...this.#saved].filter(([id, k]) => k.removed && !this.#core.slots.has(id));
    if (kept.length > 0) live.keptIsolations = kept.map(([id]) => id).sort();
    return live;
  }

  /**
   * Isolate or reset an origin of the config. `reset` of an origin no longer in it clears what is
   * kept for it (an isolation, see kept-breaker.ts): `removed` says so; nothing kept: not ok.
   */
  async control(originId: string, action: OriginAction): Promise<{ ok: boolean; removed?: boolean }> {
    const slot = this.#core.slots.get(originId);
    if (!slot) return action === 'reset' ? this.#clearRemoved(originId) : { ok: false };
    if (action === 'isolate') slot.breaker.isolate(Date.now());
    else {
      slot.breaker.reset();
      delete slot.probe;
    }
    this.#core.drainQueue();
    this.#afterChange();
    return { ok: true };
  }

  #clearRemoved(originId: string): { ok: boolean; removed?: boolean } {
    if (this.#core.config === undefined || !this.#saved.get(originId)?.removed) return { ok: false };
    this.#saved.delete(originId);
    this.#storeBreaker(originId, undefined);
    return { ok: true, removed: true };
  }

  /** The pool was deleted: refuse waiters and drop everything stored. */
  async forget(): Promise<void> {
    this.#core.refuseWaiting(this.#core.config?.name ?? '');
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#alarmAt = undefined;
    // A pool created again under this name must start clean, and be able to store its state.
    this.#createTables();
    this.#saved.clear();
    // Its lease ids still go on past the old ones, which late releases may yet name.
    const seq = this.#core.leases.seq;
    this.#core = new PoolCore();
    this.#core.restoreLeases([], seq + LEASE_SEQ_GAP);
    this.#storeLeases(true);
  }

  override async alarm(): Promise<void> {
    this.#alarmAt = undefined;
    this.#core.tick();
    const now = Date.now();
    if (this.#probeDue(now)) {
      this.#nextProbeAt = now + (this.#core.config?.health.intervalMs ?? 10_000);
      this.#probing ??= this.#probe().finally(() => {
        this.#probing = undefined;
      });
      await this.#probing;
    }
    this.#afterChange(true);
  }

  #apply(config: PoolConfig, key: string, version: number): void {
    if (!this.#core.offer(config, key, version, this.#saved)) return;
    this.ctx.storage.sql.exec(
      'INSERT INTO pool_config (id, key, config, version) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET key = excluded.key, config = excluded.config, version = excluded.version',
      key,
      JSON.stringify(config),
      version,
    );
    // First probe one interval after the config arrives: the first requests tell as much, sooner.
    this.#nextProbeAt = Date.now() + config.health.intervalMs;
  }

  async #probe(): Promise<void> {
    const config = this.#core.config;
    const adapter = config ? adapterFor(config.protocol) : undefined;
    if (!config || !adapter) return;
    const results = await probePool(config, adapter, {
      fetch: (input, init) => fetch(input, init),
      now: Date.now,
      authHeaders: probeAuthHeaders(config, this.env),
    });
    for (const [id, result] of results) this.#core.recordProbe(id, result);
  }

  #probeDue(now: number): boolean {
    return probeDue(this.#core, this.#nextProbeAt, now);
  }

  /**
   * Lease changes are stored at most LEASE_STORE_EVERY_MS after they happen, in one transaction: a
   * commit per admission would cost the object most of its admissions per second. A restart thus
   * forgets at most that window's grants (and still counts its releases as busy until their TTL).
   */
  #storeLeasesSoon(): void {
    if (this.#leaseTimer !== undefined || !this.#core.leases.hasChanges) return;
    this.#leaseTimer = setTimeout(() => {
      this.#leaseTimer = undefined;
      this.#storeLeases();
    }, LEASE_STORE_EVERY_MS);
  }

  /** Persist changed breakers (and, soon, leases), then make sure the alarm fires when the next thing is due. */
  #afterChange(force = false): void {
    this.#storeLeasesSoon();
    this.#storeKeptChanges();
    for (const slot of this.#core.slots.values()) {
      if (slot.breaker.version === slot.persistedVersion) continue;
      slot.persistedVersion = slot.breaker.version;
      const kept: KeptBreaker = { snapshot: slot.breaker.snapshot(), url: slot.url };
      this.#saved.set(slot.id, kept);
      this.#storeBreaker(slot.id, kept);
    }
    this.#schedule(force);
  }

  #storeBreaker(originId: string, kept: KeptBreaker | undefined): void {
    const sql = this.ctx.storage.sql;
    if (!kept) sql.exec('DELETE FROM breakers WHERE origin_id = ?', originId);
    else
      sql.exec(
        'INSERT INTO breakers (origin_id, snapshot) VALUES (?, ?) ON CONFLICT(origin_id) DO UPDATE SET snapshot = excluded.snapshot',
        originId,
        breakerRow(kept),
      );
  }

  /** Breakers of origins that left the config: stored as what remains of them (see kept-breaker.ts). */
  #storeKeptChanges(): void {
    for (const id of this.#core.takeKeptChanges()) this.#storeBreaker(id, this.#saved.get(id));
  }

  #schedule(force: boolean): void {
    const now = Date.now();
    const next = nextAlarmAt(this.#core, this.#nextProbeAt, now);
    if (next === undefined) return;
    if (!force && this.#alarmAt !== undefined && this.#alarmAt <= next && this.#alarmAt > now) return;
    this.#alarmAt = next;
    this.ctx.storage.setAlarm(next).catch(() => {
      this.#alarmAt = undefined;
    });
  }

  // Model pulls (Ollama pull-on-demand): single flight per origin and model, see model-pulls.ts.
  readonly #modelPulls = new ModelPulls();

  async beginModelPull(originId: string, model: string, ttlMs: number, requestId = ''): Promise<BeginResult> {
    return this.#modelPulls.begin(originId, model, requestId, ttlMs, Date.now());
  }

  async modelPullStatus(originId: string, model: string): Promise<PullState> {
    return this.#modelPulls.status(originId, model, Date.now());
  }

  async endModelPull(originId: string, model: string, ok: boolean, error?: string): Promise<void> {
    this.#modelPulls.finish(originId, model, ok, error, Date.now());
  }
}
