import { DurableObject } from 'cloudflare:workers';
import type { PoolConfig } from '../../schemas/config.ts';
import { BreakerStore } from './breaker-store.ts';
import { LeaseStore } from './lease-store.ts';
import { liveState } from './live-state.ts';
import { type BeginResult, ModelPulls, type PullState } from './model-pulls.ts';
import { PoolAlarm } from './pool-alarm.ts';
import { PoolCore } from './pool-core.ts';
import { createPoolTables, readConfig, writeConfig } from './pool-tables.ts';
import { ProbeRounds } from './probe-rounds.ts';
import { RecentGrants } from './recent-grants.ts';
import type {
  AcquireRequest,
  AcquireResult,
  LeaseOutcome,
  LeaseRelease,
  OriginAction,
  PoolLiveState,
} from './types.ts';
import { WaiterDeadlines } from './waiter-deadlines.ts';

type PoolEnv = Record<string, unknown>;

/**
 * One per engine pool: the single source of truth for its origins' breakers, in-flight leases, wait
 * queue and health. A thin shell over `PoolCore`: it persists breakers (breaker-store.ts), leases
 * (lease-store.ts) and the config in SQLite, turns queue waits into pending RPC calls with deadline
 * timers (waiter-deadlines.ts), and runs the alarm (pool-alarm.ts: breaker cooldowns, lease expiry,
 * health probes in probe-rounds.ts), re-armed on start so work resumes after a restart.
 */
export class EnginePool extends DurableObject<PoolEnv> {
  #core = new PoolCore();
  readonly #breakers = new BreakerStore(this.ctx.storage);
  readonly #leases = new LeaseStore(this.ctx.storage, () => this.#core.leases);
  readonly #alarm = new PoolAlarm(this.ctx.storage);
  readonly #probes = new ProbeRounds(() => this.#core, this.env);
  readonly #deadlines = new WaiterDeadlines(
    (waiter) => this.#core.expire(waiter, 'timeout'),
    () => this.#afterChange(),
    () => this.#core.queue.size,
  );
  readonly #cancels = new Map<string, () => void>();
  /** Grants a late `cancel` may still take back (see recent-grants.ts). */
  readonly #granted = new RecentGrants();

  constructor(ctx: DurableObjectState, env: PoolEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      createPoolTables(ctx.storage.sql);
      this.#breakers.load();
      const stored = readConfig(ctx.storage.sql);
      if (stored) this.#core.configure(stored.config, stored.key, this.#breakers.saved, stored.version);
      this.#breakers.storeKept(this.#core);
      this.#leases.restore(this.#core);
      if (await this.#alarm.resume()) this.#alarm.schedule(this.#core, this.#probes.nextAt, true);
    });
  }

  /** Admit at once, or wait in the priority queue until a slot frees up or the deadline passes. */
  async acquire(req: AcquireRequest): Promise<AcquireResult> {
    this.#apply(req.config, req.configKey, req.configVersion);
    // Releases the caller held back free their slots before this request is decided.
    if (req.releases && this.#core.releaseMany(req.releases)) this.#afterChange();
    const key = req.cancelKey ?? req.requestId;
    const result = await new Promise<AcquireResult>((resolve) => {
      let withdraw: (() => void) | undefined;
      const done = (r: AcquireResult) => {
        // Another call under the same key (an older caller's repeated request id) keeps its own entry.
        if (withdraw && this.#cancels.get(key) === withdraw) this.#cancels.delete(key);
        // Only a key of this call alone: a repeated request id must not take back another's grant.
        if (r.ok && req.cancelKey !== undefined) this.#granted.note(key, r.lease.id, Date.now());
        resolve(r);
      };
      const waiter = this.#core.acquire(req, done);
      if (!waiter) return;
      this.#deadlines.add(waiter);
      withdraw = () => this.#core.expire(waiter, 'cancelled');
      this.#cancels.set(key, withdraw);
    });
    this.#afterChange();
    // The caller's registry is behind: admitted all the same, under this config; it may reload.
    if (result.ok && req.configVersion < this.#core.configVersion)
      result.configVersion = this.#core.configVersion;
    return result;
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

  /**
   * The caller stopped waiting (its client went away, or the call failed on its side): its wait is
   * withdrawn, or, when it was granted meanwhile, the grant goes back (nobody will use or release it).
   * `key`: the call's `cancelKey`, else its request id.
   */
  async cancel(key: string): Promise<void> {
    const withdraw = this.#cancels.get(key);
    if (withdraw) return withdraw();
    const leaseId = this.#granted.take(key, Date.now());
    if (leaseId === undefined) return;
    this.#core.release(leaseId, { kind: 'aborted', code: 'client_closed' });
    this.#afterChange();
  }

  /** Config pushed by an admin write, so probes and limits follow it before the next request. */
  async configure(config: PoolConfig, configKey: string, configVersion = 0): Promise<void> {
    this.#apply(config, configKey, configVersion);
    this.#afterChange();
  }

  async state(): Promise<PoolLiveState> {
    const live = liveState(this.#core, this.#core.config?.name ?? '');
    if (this.#leases.failures > 0) live.leaseStoreFailures = this.#leases.failures;
    if (this.#breakers.failures > 0) live.breakerStoreFailures = this.#breakers.failures;
    const kept = this.#breakers.keptIsolations(this.#core);
    if (kept.length > 0) live.keptIsolations = kept;
    return live;
  }

  /**
   * Isolate or reset an origin of the config. `reset` of an origin no longer in it clears what is
   * kept for it (an isolation, see kept-breaker.ts): `removed` says so; nothing kept: not ok.
   */
  async control(originId: string, action: OriginAction): Promise<{ ok: boolean; removed?: boolean }> {
    const slot = this.#core.slots.get(originId);
    if (!slot) return action === 'reset' ? this.#breakers.clearRemoved(this.#core, originId) : { ok: false };
    if (action === 'isolate') slot.breaker.isolate(Date.now());
    else {
      slot.breaker.reset();
      delete slot.probe;
    }
    this.#core.drainQueue();
    this.#afterChange();
    return { ok: true };
  }

  /** The pool was deleted: refuse waiters and drop everything stored. */
  /**
   * Drop everything kept for a deleted pool. `unlessNewerThan` (the delete's time): a config written
   * after it belongs to a pool created again under the name since, whose state is left alone.
   */
  async forget(unlessNewerThan?: number): Promise<void> {
    if (unlessNewerThan !== undefined && this.#core.configVersion > unlessNewerThan) return;
    this.#core.refuseWaiting(this.#core.config?.name ?? '');
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.#alarm.cleared();
    // A pool created again under this name must start clean, and be able to store its state.
    createPoolTables(this.ctx.storage.sql);
    this.#breakers.clear();
    const old = this.#core;
    this.#core = new PoolCore();
    this.#leases.carryOn(old, this.#core);
  }

  override async alarm(): Promise<void> {
    this.#alarm.cleared();
    this.#core.tick();
    await this.#probes.runIfDue(Date.now());
    this.#afterChange(true);
  }

  #apply(config: PoolConfig, key: string, version: number): void {
    if (!this.#core.offer(config, key, version, this.#breakers.saved)) return;
    writeConfig(this.ctx.storage.sql, key, config, version);
    this.#probes.configured(config.health.intervalMs, Date.now());
  }

  /** Persist changed breakers (and, soon, leases), then make sure the alarm fires when the next thing is due. */
  #afterChange(force = false): void {
    this.#leases.storeSoon();
    this.#breakers.storeChanges(this.#core);
    this.#alarm.schedule(this.#core, this.#probes.nextAt, force);
  }

  // Model pulls (Ollama pull-on-demand): single flight per origin and model, see model-pulls.ts.
  readonly #modelPulls = new ModelPulls();

  async beginModelPull(originId: string, model: string, ttlMs: number, requestId = ''): Promise<BeginResult> {
    return this.#modelPulls.begin(originId, model, requestId, ttlMs, Date.now());
  }

  async modelPullStatus(originId: string, model: string): Promise<PullState> {
    return this.#modelPulls.status(originId, model, Date.now());
  }

  /** `requestId`: the leader's; a pull another request has taken over since is left alone. */
  async endModelPull(
    originId: string,
    model: string,
    ok: boolean,
    error?: string,
    requestId?: string,
  ): Promise<void> {
    this.#modelPulls.finish(originId, model, ok, error, Date.now(), requestId);
  }
}
