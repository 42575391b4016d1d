import { DurableObject } from 'cloudflare:workers';
import type { Job } from '../../schemas/jobs.ts';
import { registry } from '../../workers/data/registry.ts';
import type { Env } from '../../workers/env.ts';
import { callbackSender } from './callback-sender.ts';
import { capacityPeers } from './capacity-wake.ts';
import { jobSettings } from './config.ts';
import { type CallbackSender, type EngineConfig, type Executor, JobEngine } from './job-engine.ts';
import type { ListKey, ListQuery } from './job-list.ts';
import { type Idempotency, type JobRow, JobStore, type NewJob, type StoredStatus } from './job-store.ts';
import { jobView } from './job-view.ts';
import { shardBound } from './queue-bound.ts';
import { type ReplayTarget, replayTarget } from './replay-target.ts';
import { selfExecutor } from './self-executor.ts';
import { migrate } from './sql.ts';
import { callbackRootSecret } from './tenant-callback-secret.ts';

/**
 * A new job, with the bound on unfinished jobs this shard enforces for it (see queue-bound.ts; by
 * default the shard's share of the object's own `ECO_JOB_MAX_PENDING`).
 */
export type SubmitInput = Omit<NewJob, 'id'> & { idempotency?: Idempotency; maxUnfinished?: number };
export type SubmitResult =
  | { ok: true; job: Job; replayed: boolean }
  | { ok: false; reason: 'idempotency_conflict'; jobId: string }
  | { ok: false; reason: 'queue_full'; limit: number; unfinished: number; retryAfterMs: number }
  | { ok: false; reason: 'store_failed'; message: string };
export type IdempotentResult = Extract<
  SubmitResult,
  { ok: true } | { reason: 'idempotency_conflict' }
> | null;
export type CancelResult =
  | { ok: true; job: Job; previous: StoredStatus }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'not_cancellable'; job: Job };
export type ReplayResult = { ok: true; job: Job } | { ok: false; reason: 'not_found' | 'not_failed' };

export type ListInput = ListQuery & { statuses: StoredStatus[] | null };

/** One shard's part of a listing page: jobs newest first, their stored bytes, and where it stopped. */
export interface ListResult {
  jobs: Job[];
  bytes: number;
  /** The newest matching job not returned (count or byte limit); null when none is left. */
  stop: ListKey | null;
}

/** Test seams: swap how attempts run and callbacks are sent, or the engine settings. */
export interface JobQueueHooks {
  execute?: Executor;
  sendCallback?: CallbackSender;
  config?: Partial<EngineConfig>;
}

/**
 * The wall time one alarm's drain may take: Cloudflare ends an alarm after 15 minutes, and the drain
 * needs a little time after its last attempt ends to record it and re-arm.
 */
const ALARM_BUDGET_MS = 14 * 60_000;

/**
 * Attempts and callback deliveries one alarm starts before it hands over to the next: each is an
 * outbound request of the alarm's invocation, which the platform caps (10,000 on paid plans, once
 * 1,000), and a long drain of quick jobs would otherwise reach the cap and fail every job after it.
 * Half the old cap leaves room for the drain's other calls (registry reads for capacity wake-ups).
 */
const STARTS_PER_ALARM = 500;

/** An alarm that could not be set after a committed change is set again after this long. */
const REARM_RETRY_MS = 1_000;
const REARM_LOGGED_TRIES = 8;

/** A drain that failed is tried again after this long, however often it fails. */
const FAILED_DRAIN_RETRY_MS = 30_000;

/**
 * One shard of one tenant's jobs (`jobs:<tenant>:<shard>`), in SQLite. A thin shell: `JobStore` keeps
 * the bookkeeping, `JobEngine` schedules; this class wires storage, alarms and RPC. On start it puts
 * jobs that were running back in the queue and re-arms the alarm, so work resumes after a restart.
 */
export class JobQueue extends DurableObject<Env> {
  readonly #store: JobStore;
  #engine: JobEngine;
  #hooks: JobQueueHooks = {};
  #rearmTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new JobStore(ctx.storage.sql, Date.now);
    this.#engine = this.#buildEngine();
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage.sql);
      this.#store.recoverInterrupted();
      await this.#rearm();
    });
  }

  /** Set the alarm when none is set, or when work (jobs queued or put back just now) is due sooner. */
  async #rearm(): Promise<void> {
    const alarm = await this.ctx.storage.getAlarm();
    const next = this.#store.nextWake(this.#config().retentionMs, { readyCounts: true });
    if (next !== null && (alarm === null || next < alarm)) await this.ctx.storage.setAlarm(next);
  }

  #config(): EngineConfig {
    const s = jobSettings(this.env);
    return {
      concurrency: s.concurrency,
      retry: { baseMs: s.retryBaseMs, maxMs: s.retryMaxMs },
      callbackConcurrency: 2,
      callbackMaxAttempts: s.callbackMaxAttempts,
      callbackBackoff: { baseMs: s.callbackRetryBaseMs, maxMs: 600_000 },
      callbackTimeoutMs: s.callbackTimeoutMs,
      retentionMs: s.retentionMs,
      attemptTimeoutMs: s.attemptTimeoutMs,
      budgetMs: ALARM_BUDGET_MS,
      startsPerDrain: STARTS_PER_ALARM,
      ...this.#hooks.config,
    };
  }

  #defaultBound(): number {
    const s = jobSettings(this.env);
    return shardBound(s.maxPending, s.shards);
  }

  #buildEngine(): JobEngine {
    return new JobEngine({
      store: this.#store,
      execute: this.#hooks.execute ?? selfExecutor(this.env),
      sendCallback: this.#hooks.sendCallback ?? callbackSender(() => callbackRootSecret(this.env)),
      config: this.#config(),
      now: Date.now,
      random: Math.random,
      // The registry as the gateway's isolates see it (cached for seconds), read only when a job waits.
      capacityPeers: async (model) => {
        const { byName, models } = await registry(this.env.DB);
        return capacityPeers(model, byName, models);
      },
    });
  }

  /** Wake the scheduler: the running drain if there is one, else an alarm now. */
  async #kick(): Promise<void> {
    if (this.#engine.active) this.#engine.kick();
    else await this.ctx.storage.setAlarm(Date.now());
  }

  /**
   * Kick after a change already committed (a job stored, cancelled, replayed). Should the alarm not be
   * set, the change still stands and is answered as made: an error would have the client submit the
   * job again. The alarm is set again shortly while this instance lives, and by the constructor when
   * the object restarts.
   */
  async #kickCommitted(): Promise<void> {
    try {
      await this.#kick();
    } catch (err) {
      console.error(
        JSON.stringify({
          level: 'error',
          event: 'job_kick_failed',
          shard: this.ctx.id.toString(),
          error: String(err),
        }),
      );
      this.#rearmLater();
    }
  }

  /**
   * Try the alarm again, backing off (1 s, doubling, then once a minute) for as long as this instance
   * lives: stored jobs must not wait for another change to kick the shard. Logged for the first few tries.
   */
  #rearmLater(tries = 0): void {
    if (this.#rearmTimer !== undefined) return;
    this.#rearmTimer = setTimeout(
      () => {
        this.#rearmTimer = undefined;
        this.#rearm().catch((err: unknown) => {
          if (tries < REARM_LOGGED_TRIES)
            console.error(
              JSON.stringify({
                level: 'error',
                event: 'job_rearm_failed',
                shard: this.ctx.id.toString(),
                error: String(err),
              }),
            );
          this.#rearmLater(tries + 1);
        });
      },
      Math.min(REARM_RETRY_MS * 2 ** tries, 60_000),
    );
  }

  #owned(row: JobRow | undefined, tenant: string | null): row is JobRow {
    return row !== undefined && (tenant === null || row.tenant === tenant);
  }

  async submit(input: SubmitInput): Promise<SubmitResult> {
    const { idempotency, maxUnfinished = this.#defaultBound(), ...job } = input;
    const id = `job_${this.ctx.id.toString()}_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`;
    let result: ReturnType<JobStore['enqueue']>;
    try {
      // One transaction: a job is stored with its idempotency key or not at all.
      result = this.ctx.storage.transactionSync(() =>
        this.#store.enqueue({ ...job, id }, idempotency, { maxUnfinished }),
      );
    } catch (err) {
      // Say, a row over SQLite's size limit: a result value, as errors lose their detail across RPC.
      return { ok: false, reason: 'store_failed', message: String(err).slice(0, 300) };
    }
    if (result.kind === 'conflict') return { ok: false, reason: 'idempotency_conflict', jobId: result.jobId };
    if (result.kind === 'full') {
      const { limit, unfinished, retryAfterMs } = result;
      return { ok: false, reason: 'queue_full', limit, unfinished, retryAfterMs };
    }
    if (result.kind === 'created') await this.#kickCommitted();
    return { ok: true, job: jobView(result.row), replayed: result.kind === 'replayed' };
  }

  /**
   * The job an Idempotency-Key already names here, without submitting: a resubmit whose body today's
   * checks refuse still answers the job that body was accepted as.
   */
  async findIdempotent(idempotency: Idempotency): Promise<IdempotentResult> {
    const found = this.#store.idempotentJob(idempotency);
    if (!found) return null;
    return found.kind === 'conflict'
      ? { ok: false, reason: 'idempotency_conflict', jobId: found.jobId }
      : { ok: true, job: jobView(found.row), replayed: true };
  }

  /** Whether this shard holds a live Idempotency-Key (`scope`): after a change of the shard count. */
  async holdsIdempotency(scope: string): Promise<boolean> {
    return this.#store.holdsIdempotency(scope);
  }

  /** Job and callback counts by status, for /metrics. */
  async counts(): Promise<ReturnType<JobStore['counts']>> {
    return this.#store.counts();
  }

  async get(id: string, tenant: string | null): Promise<Job | null> {
    const row = this.#store.get(id);
    return this.#owned(row, tenant) ? jobView(row) : null;
  }

  async list(input: ListInput): Promise<ListResult> {
    const page = this.#store.list(input);
    return { jobs: page.rows.map(jobView), bytes: page.bytes, stop: page.stop };
  }

  async cancel(id: string, tenant: string | null): Promise<CancelResult> {
    if (!this.#owned(this.#store.get(id), tenant)) return { ok: false, reason: 'not_found' };
    const previous = this.#engine.cancel(id);
    const row = this.#store.get(id)!;
    if (previous === undefined) return { ok: false, reason: 'not_cancellable', job: jobView(row) };
    // The callback (if any) is due now.
    if (row.callback_status === 'pending') await this.#kickCommitted();
    return { ok: true, job: jobView(row), previous };
  }

  /** Whether a job may be replayed and the key it runs as, for a check made before `replay`. */
  async replayTarget(id: string): Promise<ReplayTarget> {
    return replayTarget(this.ctx.storage.sql, id);
  }

  async replay(id: string): Promise<ReplayResult> {
    if (!this.#store.get(id)) return { ok: false, reason: 'not_found' };
    if (!this.#store.replay(id)) return { ok: false, reason: 'not_failed' };
    await this.#kickCommitted();
    return { ok: true, job: jobView(this.#store.get(id)!) };
  }

  override async alarm(): Promise<void> {
    let next: number | null;
    try {
      next = await this.#engine.drain();
    } catch (err) {
      // Thrown, the platform would retry a few times and then drop the alarm, leaving queued jobs until
      // something else wakes the shard; caught, the drain is tried again on the shard's own schedule.
      console.error(
        JSON.stringify({
          level: 'error',
          event: 'job_drain_failed',
          shard: this.ctx.id.toString(),
          error: String(err),
        }),
      );
      // A drain cut short may have marked jobs running that no attempt runs: they go back to the queue
      // as after a restart, while attempts still in flight go on (should storage still fail, the next
      // drain tries again).
      try {
        this.#engine.requeueStrays();
      } catch {}
      next = Date.now() + FAILED_DRAIN_RETRY_MS;
    }
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** Test seam (not routed anywhere): replace the executor, the callback sender or settings. */
  setHooks(hooks: JobQueueHooks): void {
    this.#hooks = hooks;
    this.#engine = this.#buildEngine();
  }

  /** Test seam: ids of attempts in flight in this instance. */
  inFlight(): string[] {
    return this.#engine.inFlight();
  }
}
