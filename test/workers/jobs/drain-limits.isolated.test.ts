import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type EngineConfig,
  type Executor,
  JobEngine,
} from '../../../durable-objects/job-queue/job-engine.ts';
import { JobStore } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import { MAX_TIMER_MS, timerDelay } from '../../../durable-objects/job-queue/timer-delay.ts';
import { engineConfig, manualClock, newJob, withSql } from './helpers.ts';

const base = engineConfig();

const engineFor = (store: JobStore, execute: Executor, config: Partial<EngineConfig> = {}) =>
  new JobEngine({
    store,
    execute,
    sendCallback: async () => ({ ok: true }),
    config: { ...base, ...config },
    now: Date.now,
    random: () => 0.5,
  });

/** An attempt that only ends when it is aborted, answering a final (not retryable) failure then. */
const untilAborted: Executor = (_row, signal) =>
  new Promise((resolve) =>
    signal.addEventListener('abort', () =>
      resolve({
        kind: 'failed',
        retryable: false,
        error: { message: 'aborted', type: 'api_error', code: 'aborted', status: null },
      }),
    ),
  );

/** Drains as an alarm would: again at each time the drain asks for, until the job has finished. */
async function drainUntilFinished(engine: JobEngine, store: JobStore, id: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const next = await engine.drain();
    if (store.get(id)!.finished_at !== null || next === null) return;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
}

afterEach(() => vi.restoreAllMocks());

describe('an attempt that outlives its time limit', () => {
  it('is aborted and retried, and the job fails with attempt_timeout long before its deadline', () =>
    withSql(async (sql) => {
      const store = new JobStore(sql, Date.now);
      // a deadline a day away: waiting for it would outlast any alarm
      store.enqueue(newJob('slow', { timeoutMs: 86_400_000, maxAttempts: 2 }));
      const engine = engineFor(store, untilAborted, { attemptTimeoutMs: 20 });
      await drainUntilFinished(engine, store, 'slow');
      const view = jobView(store.get('slow')!);
      expect(view.status).toBe('failed');
      expect(view.attempts).toBe(2);
      expect(view.error).toMatchObject({ code: 'attempt_timeout', type: 'timeout_error' });
      expect(view.attempt_log.map((a) => a.outcome)).toEqual(['retryable_error', 'retryable_error']);
      expect(engine.inFlight()).toEqual([]);
    }));

  it('is cut at its deadline instead when that comes first (expired, not retried)', () =>
    withSql(async (sql) => {
      const store = new JobStore(sql, Date.now);
      store.enqueue(newJob('due', { timeoutMs: 200, maxAttempts: 3 }));
      const engine = engineFor(store, untilAborted);
      await drainUntilFinished(engine, store, 'due');
      const view = jobView(store.get('due')!);
      expect(view.status).toBe('expired');
      expect(view.error?.code).toBe('job_expired');
    }));

  it('is never claimed when it could not end within the drain budget: the drain asks to run again', () =>
    withSql(async (sql) => {
      const store = new JobStore(sql, Date.now);
      store.enqueue(newJob('later'));
      const execute = vi.fn(untilAborted);
      const engine = engineFor(store, execute, { attemptTimeoutMs: 50_000, budgetMs: 40_000 });
      const next = await engine.drain();
      expect(execute).not.toHaveBeenCalled();
      expect(store.get('later')!.status).toBe('queued');
      expect(next).not.toBeNull();
    }));
});

describe('outbound calls of one drain', () => {
  it('starts at most startsPerDrain attempts, then asks to be re-run at once for the rest', () =>
    withSql(async (sql) => {
      const store = new JobStore(sql, Date.now);
      for (let i = 0; i < 5; i++) store.enqueue(newJob(`quick-${i}`));
      const execute = vi.fn<Executor>(async () => ({ kind: 'succeeded', result: { ok: true }, usage: null }));
      const engine = engineFor(store, execute, { concurrency: 2, startsPerDrain: 3 });
      const before = Date.now();
      const next = await engine.drain();
      expect(execute).toHaveBeenCalledTimes(3);
      expect(store.counts().jobs.queued).toBe(2);
      // Re-run now (a new invocation), not at some later wake-up.
      expect(next).not.toBeNull();
      expect(next!).toBeLessThanOrEqual(Date.now());
      expect(next!).toBeGreaterThanOrEqual(before);
      // The next invocation starts the rest, and has nothing left to do now.
      const after = await engine.drain();
      expect(after === null || after > Date.now()).toBe(true);
      expect(execute).toHaveBeenCalledTimes(5);
      expect(store.counts().jobs.succeeded).toBe(5);
    }));
});

describe('purging after a burst', () => {
  it('asks to run again at once while more than one batch of finished jobs is past retention', () =>
    withSql(async (sql) => {
      const clock = manualClock();
      const store = new JobStore(sql, clock.now);
      for (let i = 0; i < 600; i++) store.enqueue(newJob(`burst-${i}`));
      for (const row of store.claim(600)) store.succeed(row.id, row.attempts, { ok: true }, null);
      const engine = new JobEngine({
        store,
        execute: async () => ({ kind: 'succeeded', result: {}, usage: null }),
        sendCallback: async () => ({ ok: true }),
        config: { ...base, retentionMs: 60_000 },
        now: clock.now,
        random: () => 0.5,
      });
      clock.advance(120_000);
      const left = () => sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM jobs').one().n;
      // One batch deleted; the rest is due already, so the next drain is now, not never.
      expect(await engine.drain()).toBe(clock.now());
      expect(left()).toBe(100);
      expect(await engine.drain()).toBeNull();
      expect(left()).toBe(0);
    }));
});

describe('timers of the drain', () => {
  it('clamps delays to what setTimeout honours', () => {
    expect(timerDelay(Number.NaN)).toBe(1);
    expect(timerDelay(-5)).toBe(1);
    expect(timerDelay(0.2)).toBe(1);
    expect(timerDelay(1500)).toBe(1500);
    expect(timerDelay(2 ** 40)).toBe(MAX_TIMER_MS);
  });

  // Every setTimeout call is recorded: in a workerd of its own, none is another file's.
  it('never asks setTimeout for more than 2^31-1 ms, even with a retention of years', () =>
    withSql(async (sql) => {
      const store = new JobStore(sql, Date.now);
      // a finished job whose purge is ~1000 hours away: the earliest timed event while one job runs
      store.enqueue(newJob('old'));
      const [old] = store.claim(1);
      store.succeed(old!.id, old!.attempts, { ok: true }, null);
      store.enqueue(newJob('running'));

      let release: (() => void) | undefined;
      const delays: number[] = [];
      const original = globalThis.setTimeout;
      vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
        delays.push(ms ?? 0);
        // the second timer is the drain's own wait while the attempt runs: let the attempt end
        if (delays.length === 2) queueMicrotask(() => release?.());
        return original(fn, ms);
      }) as typeof setTimeout);
      const engine = engineFor(
        store,
        () =>
          new Promise((resolve) => {
            release = () => resolve({ kind: 'succeeded', result: { ok: true }, usage: null });
          }),
        { retentionMs: 1000 * 3_600_000 },
      );
      await engine.drain();
      vi.restoreAllMocks();
      expect(store.get('running')!.status).toBe('succeeded');
      expect(delays.length).toBeGreaterThanOrEqual(2);
      for (const ms of delays) expect(ms).toBeLessThanOrEqual(MAX_TIMER_MS);
    }));
});
