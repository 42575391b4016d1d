import { describe, expect, it } from 'vitest';
import { JobStore } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import { manualClock, newJob, withSql } from './helpers.ts';
import { completion, engineFor, gatewayAnswering, refusal, runToEnd } from './wait-fixtures.ts';

/** A gateway that answers every self call alike. */
const answering = (answer: () => Response) => gatewayAnswering(answer).fetcher;

const POOL_REFUSALS: [number, string][] = [
  [429, 'pool_saturated'],
  [429, 'request_shed'],
  [429, 'queue_timeout'],
  [503, 'origin_unavailable'],
];

describe('a run the engine pool refused before any origin saw it', () => {
  for (const [status, code] of POOL_REFUSALS) {
    it(`${status} ${code} is a wait, not an attempt: the job still succeeds on its one attempt`, () =>
      withSql(async (sql) => {
        const clock = manualClock(1_700_000_000_000);
        const store = new JobStore(sql, clock.now);
        store.enqueue(newJob('full', { maxAttempts: 1, timeoutMs: 3_600_000 }));
        let calls = 0;
        const engine = engineFor(
          store,
          clock,
          answering(() => (++calls <= 5 ? refusal(status, code, 2000, { byPool: true }) : completion())),
        );
        await runToEnd(engine, store, clock, ['full']);
        const view = jobView(store.get('full')!);
        expect(view).toMatchObject({ status: 'succeeded', attempts: 1 });
        expect(view.attempt_log.map((a) => a.outcome)).toEqual(['succeeded']);
        expect(view.transitions.map((t) => t.status)).toEqual(['queued', 'queued', 'running', 'succeeded']);
        expect(view.transitions[1]!.note).toBe(`capacity wait: ${code} (5 in a row)`);
      }));
  }

  it('holds no slot while it waits, waits at least the Retry-After, and shows in the counts', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('w', { maxAttempts: 1, timeoutMs: 3_600_000 }));
      const engine = engineFor(
        store,
        clock,
        answering(() => refusal(429, 'pool_saturated', 7000, { byPool: true })),
      );
      const next = await engine.drain();
      const view = jobView(store.get('w')!);
      expect(view).toMatchObject({ status: 'queued', attempts: 0, attempt_log: [], started_at: null });
      expect(view.next_attempt_at).toBeGreaterThanOrEqual(clock.now() + 7000);
      expect(next).toBe(view.next_attempt_at);
      expect(store.runningCount()).toBe(0);
      expect(store.counts()).toMatchObject({ capacityWaiting: 1, limitWaiting: 0 });
    }));

  it('ends expired at its deadline when the pool never has room', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('late', { maxAttempts: 2, timeoutMs: 60_000 }));
      const engine = engineFor(
        store,
        clock,
        answering(() => refusal(503, 'origin_unavailable', 5000, { byPool: true })),
      );
      await runToEnd(engine, store, clock, ['late']);
      const view = jobView(store.get('late')!);
      expect(view).toMatchObject({ status: 'expired', attempts: 0, attempt_log: [] });
      expect(view.error?.code).toBe('job_expired');
      // what it waited for is in the error, not only in its transitions
      expect(view.error?.message).toMatch(
        /^The job did not finish before its deadline\. It was waiting \(capacity wait: origin_unavailable \(\d+ in a row\)\)\.$/,
      );
      expect(view.finished_at).toBe(view.expires_at);
    }));

  it('ends expired with the last failure named when its deadline passes during a retry backoff', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('backoff', { maxAttempts: 5, timeoutMs: 1500 }));
      const engine = engineFor(
        store,
        clock,
        answering(() => refusal(502, 'origin_error', 5000)),
      );
      await runToEnd(engine, store, clock, ['backoff']);
      const view = jobView(store.get('backoff')!);
      expect(view).toMatchObject({ status: 'expired', attempts: 1 });
      expect(view.error).toMatchObject({
        code: 'job_expired',
        status: 408,
        message: 'The job did not finish before its deadline. Its last attempt failed (origin_error).',
      });
    }));
});

describe('a refusal that reached an engine, or is not a capacity refusal', () => {
  const CASES: [string, () => Response][] = [
    ["an origin's own 503", () => refusal(503, 'origin_unavailable', 1000)],
    ["an origin's own 429", () => refusal(429, 'origin_overloaded', 1000)],
    ['a pool 429 without the pool marker', () => refusal(429, 'pool_saturated', 1000)],
    ['a 500 carrying the pool marker', () => refusal(500, 'internal_error', 1000, { byPool: true })],
  ];
  for (const [label, answer] of CASES) {
    it(`${label} spends an attempt and ends failed after the last one`, () =>
      withSql(async (sql) => {
        const clock = manualClock(1_700_000_000_000);
        const store = new JobStore(sql, clock.now);
        store.enqueue(newJob('x', { maxAttempts: 2, timeoutMs: 3_600_000 }));
        await runToEnd(engineFor(store, clock, answering(answer)), store, clock, ['x']);
        const view = jobView(store.get('x')!);
        expect(view).toMatchObject({ status: 'failed', attempts: 2 });
        expect(view.transitions.some((t) => t.note?.includes('wait:'))).toBe(false);
      }));
  }
});
