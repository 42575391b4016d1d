import { describe, expect, it } from 'vitest';
import { JobStore } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import { manualClock, newJob, withSql } from './helpers.ts';
import { completion, engineFor, gatewayAnswering, runToEnd, WAITS, waitNotes } from './wait-fixtures.ts';

const HOUR = 3_600_000;

// The key's own limits and the pools' capacity refuse a run before any origin sees it: both are
// waits, not attempts, and behave alike in everything a client can observe.
describe.each(WAITS)('a job waiting for $kind ($code)', ({ kind, code, refuse }) => {
  const countKey = kind === 'limit' ? 'limitWaiting' : 'capacityWaiting';

  it('holds no slot: with one slot, other keys and higher priorities run while it waits', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('waiter', { keyId: 'busy', priority: 'critical', timeoutMs: HOUR }));
      // Of another model: the end of a run of the waiter's own model would wake it (capacity-wake.test.ts).
      const model = 'another-model';
      store.enqueue(newJob('other', { keyId: 'calm', priority: 'low', model }));
      store.enqueue(newJob('mine-high', { keyId: 'busy', priority: 'high', timeoutMs: HOUR, model }));
      const gateway = gatewayAnswering((job) => (job === 'waiter' ? refuse(30_000) : completion()));
      const engine = engineFor(store, clock, gateway.fetcher, 1);
      const next = await engine.drain();
      expect(gateway.calls).toEqual(['waiter', 'mine-high', 'other']);
      expect(store.get('other')!.status).toBe('succeeded');
      expect(store.get('mine-high')!.status).toBe('succeeded');
      expect(jobView(store.get('waiter')!)).toMatchObject({ status: 'queued', attempts: 0, attempt_log: [] });
      expect(engine.inFlight()).toEqual([]);
      expect(store.runningCount()).toBe(0);
      expect(next).toBe(store.get('waiter')!.next_run_at);
      expect(next).toBeGreaterThanOrEqual(clock.now() + 30_000);
      expect(store.counts()[countKey]).toBe(1);
    }));

  it('ends expired exactly at its deadline when the Retry-After reaches past it, without another run', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('late', { maxAttempts: 3, timeoutMs: 60_000 }));
      const gateway = gatewayAnswering(() => refuse(HOUR));
      const engine = engineFor(store, clock, gateway.fetcher);
      const first = await engine.drain();
      const waiting = jobView(store.get('late')!);
      expect(waiting.next_attempt_at).toBeGreaterThanOrEqual(clock.now() + HOUR);
      // the object wakes at the deadline, not a Retry-After later
      expect(first).toBe(waiting.expires_at);
      await runToEnd(engine, store, clock, ['late']);
      const view = jobView(store.get('late')!);
      expect(view).toMatchObject({ status: 'expired', attempts: 0, attempt_log: [], next_attempt_at: null });
      expect(view.finished_at).toBe(view.expires_at);
      expect(view.error).toEqual({
        message: `The job did not finish before its deadline. It was waiting (${kind} wait: ${code} (1 in a row)).`,
        type: 'timeout_error',
        code: 'job_expired',
        status: 408,
      });
      expect(view.transitions.map((t) => t.status)).toEqual(['queued', 'queued', 'expired']);
      expect(gateway.calls).toHaveLength(1);
      expect(store.counts()[countKey]).toBe(0);
    }));

  it('ends expired exactly at its deadline after several waits, every run before it', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('late', { maxAttempts: 1, timeoutMs: 90_000 }));
      const runs: number[] = [];
      const gateway = gatewayAnswering(() => {
        runs.push(clock.now());
        return refuse(20_000);
      });
      await runToEnd(engineFor(store, clock, gateway.fetcher), store, clock, ['late']);
      const view = jobView(store.get('late')!);
      expect(view).toMatchObject({ status: 'expired', attempts: 0 });
      expect(view.finished_at).toBe(view.expires_at);
      expect(runs.length).toBeGreaterThan(1);
      expect(runs.every((at) => at < view.expires_at)).toBe(true);
      expect(waitNotes(store, 'late', kind)).toHaveLength(1);
    }));

  it('a cancel during the wait takes effect at once: cancelled now, callback due now, never run again', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('w', { timeoutMs: HOUR, callbackUrl: 'https://hooks.example.com/x' }));
      const gateway = gatewayAnswering(() => refuse(60_000));
      const engine = engineFor(store, clock, gateway.fetcher);
      await engine.drain();
      expect(jobView(store.get('w')!).next_attempt_at).not.toBeNull();
      clock.advance(5_000);
      expect(engine.cancel('w')).toBe('waiting');
      const view = jobView(store.get('w')!);
      expect(view).toMatchObject({ status: 'cancelled', attempts: 0, next_attempt_at: null });
      expect(view.finished_at).toBe(clock.now());
      expect(view.transitions.at(-1)).toEqual({ status: 'cancelled', at: clock.now() });
      expect(view.callback).toMatchObject({ status: 'pending', next_attempt_at: clock.now() });
      expect(store.counts()[countKey]).toBe(0);
      // past the time it would have run again: nothing runs, the callback goes out
      clock.advance(10 * 60_000);
      await engine.drain();
      expect(gateway.calls).toEqual(['w']);
      expect(jobView(store.get('w')!)).toMatchObject({
        status: 'cancelled',
        callback: { status: 'delivered' },
      });
    }));
});
