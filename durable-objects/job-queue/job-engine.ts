import type { Job, JobError } from '../../schemas/jobs.ts';
import { freesCapacity, peersWithin } from './capacity-wake.ts';
import { type JobRow, type JobStore, jobError, PURGE_BATCH, type StoredStatus } from './job-store.ts';
import { jobView } from './job-view.ts';
import { limitWaitMs, waitKind } from './limit-wait.ts';
import { type BackoffPolicy, backoffMs } from './ordering.ts';
import { timerDelay } from './timer-delay.ts';

/**
 * What one attempt of a job came to. `retryable`: 429, 5xx, network; everything else is final. A 429
 * of the key's own limits, or a refusal of the engine pool before any origin saw the request
 * (`refusedByPool`), is not counted as an attempt at all (see limit-wait.ts).
 */
export type ExecOutcome =
  | { kind: 'succeeded'; result: unknown; usage: unknown }
  | {
      kind: 'failed';
      error: JobError;
      retryable: boolean;
      retryAfterMs?: number;
      refusedByPool?: boolean;
      /**
       * The request never reached the gateway's pipeline (no credential could be minted, or the call
       * failed with no answer and was not aborted): it held no slot anywhere.
       */
      unsent?: boolean;
    };

/** Runs one attempt of a job through the gateway's pipeline; must settle soon after `signal` aborts. */
export type Executor = (job: JobRow, signal: AbortSignal) => Promise<ExecOutcome>;

/** POSTs the final job to its callback URL, signed for the job's tenant. */
export type CallbackSender = (
  job: Job,
  signal: AbortSignal,
  tenant: string,
) => Promise<{ ok: true } | { ok: false; error: string }>;

/** Whatever an attempt cut at its time limit answered, it only ran out of time: that is retryable. */
function attemptTimedOut(limitMs: number): Extract<ExecOutcome, { kind: 'failed' }> {
  const message = `The attempt did not finish within ${Math.round(limitMs / 1000)} s.`;
  return {
    kind: 'failed',
    retryable: true,
    error: jobError(null, 'attempt_timeout', message, 'timeout_error'),
  };
}

export interface EngineConfig {
  /** Jobs running at once in this object. */
  concurrency: number;
  retry: BackoffPolicy;
  callbackConcurrency: number;
  callbackMaxAttempts: number;
  callbackBackoff: BackoffPolicy;
  callbackTimeoutMs: number;
  retentionMs: number;
  /**
   * An attempt still running after this long is aborted and counts as a retryable failure, so a drain
   * never waits on one attempt for longer (a job's deadline may be a day away).
   */
  attemptTimeoutMs: number;
  /**
   * The wall time a drain may take (alarms have a wall-clock limit): it claims a job only while that
   * job's attempt, cut at `attemptTimeoutMs`, still ends within it, then asks to be re-run.
   */
  budgetMs: number;
  /**
   * Attempts and callback deliveries one drain may start. An alarm is one invocation, whose outbound
   * requests the platform counts and caps: past this, the drain claims nothing more, lets what runs
   * finish and asks to be re-run at once, in an invocation of its own.
   */
  startsPerDrain: number;
}

export interface EngineDeps {
  store: JobStore;
  execute: Executor;
  sendCallback: CallbackSender;
  config: EngineConfig;
  now: () => number;
  random: () => number;
  /**
   * The model names whose runs a slot given back by a run of `model` may admit (those sharing a pool
   * with it; see capacity-wake.ts). Without it, or when it fails or is slow, a model's own name only.
   */
  capacityPeers?: (model: string) => Promise<readonly string[]>;
}

interface InFlight {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * The queue's scheduler: claims ready jobs in priority order up to the concurrency limit, runs them,
 * records each outcome with a guarded transition, retries with backoff, expires, and delivers
 * callbacks. Abort controllers live only in memory: after a restart nothing is in flight.
 */
export class JobEngine {
  private readonly jobs = new Map<string, InFlight>();
  private readonly callbacks = new Map<string, Promise<void>>();
  private wake: (() => void) | null = null;
  private draining = false;
  /** Attempts and deliveries the running drain has started. */
  private starts = 0;
  /**
   * Jobs may be `running` with no attempt here behind them (a drain that threw part-way, an outcome
   * that could not be stored): nothing else would ever look at them again before a restart.
   */
  private strays = false;

  private readonly deps: EngineDeps;

  constructor(deps: EngineDeps) {
    this.deps = deps;
  }

  get active(): boolean {
    return this.draining;
  }

  inFlight(): string[] {
    return [...this.jobs.keys()];
  }

  /**
   * Put back in the queue (or fail, on their last attempt) running jobs with no attempt in flight here.
   * Throws when storage does; a drain that threw has set `strays`, so its next pass tries again.
   */
  requeueStrays(): number {
    const n = this.deps.store.recoverInterrupted(this.inFlight());
    this.strays = false;
    return n;
  }

  /** Something changed (a submit, a cancel): let a running drain look again now. */
  kick(): void {
    this.wake?.();
  }

  /** Cancel a job; a running one has its origin request aborted. Answers the status it had. */
  cancel(id: string): StoredStatus | undefined {
    const previous = this.deps.store.cancel(id);
    if (previous === 'running') this.jobs.get(id)?.controller.abort('cancelled');
    return previous;
  }

  /** Work until nothing is in flight; answers when the object next has something to do. */
  async drain(): Promise<number | null> {
    const { store, config, now } = this.deps;
    if (this.draining) {
      this.kick();
      return null;
    }
    this.draining = true;
    this.starts = 0;
    const started = now();
    let budgetLeft = true;
    try {
      for (;;) {
        // Everything due up to `swept` is handled below or cannot act yet (say, a purge that waits for
        // a pending callback), so wake-up times only count moments after it.
        const swept = now();
        // Left over, they are due already, which the wake-up times below do not count.
        const purgeBehind = this.housekeeping();
        budgetLeft =
          swept - started + config.attemptTimeoutMs < config.budgetMs && this.starts < config.startsPerDrain;
        if (budgetLeft) {
          this.startJobs();
          this.startCallbacks();
        }
        const pending = [...[...this.jobs.values()].map((j) => j.done), ...this.callbacks.values()];
        if (pending.length === 0) {
          if (!budgetLeft || purgeBehind) return now();
          return store.nextWake(config.retentionMs, { readyCounts: true, after: swept });
        }
        // Sleep until something finishes, a submit/cancel kicks us, or a timed event comes due.
        const next = store.nextWake(config.retentionMs, { readyCounts: false, after: swept });
        await new Promise<void>((resolve) => {
          const timer = next === null ? undefined : setTimeout(resolve, timerDelay(next - now()));
          const done = () => {
            if (timer !== undefined) clearTimeout(timer);
            resolve();
          };
          this.wake = done;
          for (const p of pending) p.then(done, done);
        });
        this.wake = null;
      }
    } catch (err) {
      // It may have claimed jobs it did not start.
      this.strays = true;
      throw err;
    } finally {
      this.draining = false;
    }
  }

  /** Answers whether finished jobs past retention may be left over (a full batch was deleted). */
  private housekeeping(): boolean {
    const { store, config } = this.deps;
    if (this.strays) this.requeueStrays();
    store.promoteDue();
    store.expireDue();
    return store.purge(config.retentionMs) >= PURGE_BATCH;
  }

  private startJobs(): void {
    const { config } = this.deps;
    const free = Math.min(config.concurrency - this.jobs.size, config.startsPerDrain - this.starts);
    for (const row of this.deps.store.claim(free)) {
      this.starts++;
      this.startJob(row);
    }
  }

  private startJob(row: JobRow): void {
    const { now, config } = this.deps;
    const controller = new AbortController();
    const untilDeadline = row.deadline_at - now();
    const cut = untilDeadline <= config.attemptTimeoutMs ? 'deadline' : 'attempt_timeout';
    const timer = setTimeout(
      () => controller.abort(cut),
      timerDelay(Math.min(untilDeadline, config.attemptTimeoutMs)),
    );
    let recorded = true;
    const done = this.deps
      .execute(row, controller.signal)
      .catch(
        (err): ExecOutcome => ({
          kind: 'failed',
          retryable: true,
          error: jobError(500, 'job_executor_error', `The job could not be run: ${String(err)}`),
        }),
      )
      .then((outcome) => {
        recorded = this.recordOrFail(row, controller, outcome);
        // A cancelled or timed-out run was under way: aborting it gave its slots back.
        const frees = freesCapacity(outcome, controller.signal.aborted);
        this.wakeKeySlotWaiter(row, frees);
        return this.wakeCapacityWaiter(row, frees);
      })
      .finally(() => {
        clearTimeout(timer);
        // Only this attempt's entry: a later attempt of the same job (a retry due at once, a replay)
        // may have been claimed while this one woke waiters, and is in flight under the same id.
        if (this.jobs.get(row.id)?.controller === controller) this.jobs.delete(row.id);
        // Left running with nothing in flight now: the next pass puts it back (requeueStrays spares
        // what is in flight, so this is marked only once the attempt has left it).
        if (!recorded) this.strays = true;
      });
    this.jobs.set(row.id, { controller, done });
  }

  /**
   * A write that throws (say, a result over SQLite's row size limit) would leave the job `running`
   * with nothing in flight until the next restart: fail it with a small error row instead. False when
   * that fails too: the job then goes back to the queue at the drain's next pass once the attempt ends.
   */
  private recordOrFail(row: JobRow, controller: AbortController, outcome: ExecOutcome): boolean {
    try {
      this.record(row, controller, outcome);
      return true;
    } catch (err) {
      const message = `The job's outcome could not be stored: ${String(err).slice(0, 300)}`;
      try {
        this.deps.store.finishWithError(
          row.id,
          row.attempts,
          'failed',
          jobError(500, 'job_result_unstorable', message),
          'error',
        );
        return true;
      } catch {
        return false;
      }
    }
  }

  /**
   * A run that ended gave its pool slot back: one job waiting for capacity in a pool of its model may
   * run now rather than at its Retry-After. Only a hint (the Retry-After still wakes it), so a failed
   * lookup or write is left to that.
   */
  private async wakeCapacityWaiter(row: JobRow, frees: boolean): Promise<void> {
    const { store, capacityPeers } = this.deps;
    try {
      if (!frees || !store.hasCapacityWaiters()) return;
      const models = capacityPeers ? await peersWithin(capacityPeers, row.model) : [row.model];
      store.wakeCapacityWaiters(models, 1);
    } catch {
      // the waiter wakes at its Retry-After instead
    }
  }

  /**
   * A run that ended gave its key's concurrency slot back (it held one unless it was itself a wait): one
   * job of the same key waiting for a slot may run now rather than at its Retry-After. Only a hint, as
   * above; rate and budget waiters are not woken (a finished run refills neither).
   */
  private wakeKeySlotWaiter(row: JobRow, frees: boolean): void {
    try {
      if (frees) this.deps.store.wakeKeySlotWaiters(row.key_id, 1);
    } catch {
      // the waiter wakes at its Retry-After instead
    }
  }

  private record(row: JobRow, controller: AbortController, outcome: ExecOutcome): void {
    const { store, config, now, random } = this.deps;
    const attempt = row.attempts;
    // A cancelled job was already written as cancelled; whatever the attempt produced is dropped.
    if (controller.signal.aborted && controller.signal.reason === 'cancelled') return;
    if (outcome.kind === 'succeeded') {
      store.succeed(row.id, attempt, outcome.result, outcome.usage);
      return;
    }
    if (controller.signal.reason === 'deadline' || now() >= row.deadline_at) {
      store.finishWithError(
        row.id,
        attempt,
        'expired',
        jobError(408, 'job_expired', 'The job did not finish before its deadline.'),
        'deadline',
      );
      return;
    }
    const wait = waitKind(outcome.error, outcome.refusedByPool === true);
    if (wait !== null) {
      // The key's own limit or the pools' capacity refused the run before any origin saw it: wait
      // for it, no attempt spent.
      const delay = limitWaitMs(outcome.retryAfterMs, row.limit_waits + 1, random);
      store.limitWait(row.id, attempt, outcome.error.code ?? '', delay, wait);
      return;
    }
    const failure =
      controller.signal.reason === 'attempt_timeout' ? attemptTimedOut(config.attemptTimeoutMs) : outcome;
    if (failure.retryable && attempt < row.max_attempts) {
      const delay = backoffMs(attempt, config.retry, random, failure.retryAfterMs);
      store.retryLater(row.id, attempt, failure.error, delay);
      return;
    }
    store.finishWithError(
      row.id,
      attempt,
      'failed',
      failure.error,
      failure.retryable ? 'retryable_error' : 'error',
    );
  }

  private startCallbacks(): void {
    const { store, config } = this.deps;
    const free = Math.min(
      config.callbackConcurrency - this.callbacks.size,
      config.startsPerDrain - this.starts,
    );
    if (free <= 0) return;
    const due = store.dueCallbacks(free + this.callbacks.size).filter((r) => !this.callbacks.has(r.id));
    for (const row of due.slice(0, free)) {
      this.starts++;
      const done = this.deliver(row).finally(() => this.callbacks.delete(row.id));
      this.callbacks.set(row.id, done);
    }
  }

  private async deliver(row: JobRow): Promise<void> {
    const { store, config, now, random, sendCallback } = this.deps;
    const attempt = row.callback_attempts + 1;
    const delivery = { id: row.id, attempt, finishedAt: row.finished_at };
    let outcome: { ok: true } | { ok: false; error: string };
    try {
      outcome = await sendCallback(jobView(row), AbortSignal.timeout(config.callbackTimeoutMs), row.tenant);
    } catch (err) {
      outcome = { ok: false, error: String(err) };
    }
    if (outcome.ok) {
      store.callbackDelivered(delivery);
      return;
    }
    const nextAt =
      attempt >= config.callbackMaxAttempts
        ? null
        : now() + backoffMs(attempt, config.callbackBackoff, random);
    store.callbackFailed(delivery, outcome.error.slice(0, 500), nextAt);
  }
}
