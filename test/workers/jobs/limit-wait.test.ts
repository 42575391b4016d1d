import { describe, expect, it } from 'vitest';
import { JobStore, jobError } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import { isKeyLimitRefusal, limitWaitMs } from '../../../durable-objects/job-queue/limit-wait.ts';
import { migrate } from '../../../durable-objects/job-queue/sql.ts';
import { manualClock, newJob, withSql } from './helpers.ts';
import {
  type Clock,
  completion,
  engineFor,
  gatewayAnswering,
  jobOfCall,
  refusal,
  runToEnd,
  waitNotes,
} from './wait-fixtures.ts';

/** A 429 (or `status`) as the gateway answers it, without the pool's marker. */
const refused = (code: string, retryAfterMs: number, status = 429) => refusal(status, code, retryAfterMs);

/** A gateway that answers every self call alike. */
const answering = (answer: () => Response) => gatewayAnswering(answer).fetcher;

/**
 * The gateway as a job's self call sees it, on the test's clock: each API key has a requests-per-minute
 * bucket (full at first, one request back every 60 s / rpm); a refusal is `rate_limit_exceeded`.
 */
function gatewayWithRpm(clock: Clock, rpm: number, keyOf: (jobId: string) => string) {
  const buckets = new Map<string, { level: number; at: number }>();
  const calls: { job: string; at: number; status: number }[] = [];
  const perMs = rpm / 60_000;
  const fetcher = {
    fetch: async (_url: string, init: RequestInit) => {
      const job = jobOfCall(init);
      const b = buckets.get(keyOf(job)) ?? { level: rpm, at: clock.now() };
      b.level = Math.min(rpm, b.level + (clock.now() - b.at) * perMs);
      b.at = clock.now();
      buckets.set(keyOf(job), b);
      const ok = b.level >= 1;
      calls.push({ job, at: clock.now(), status: ok ? 200 : 429 });
      if (!ok) return refused('rate_limit_exceeded', Math.ceil((1 - b.level) / perMs));
      b.level -= 1;
      return completion();
    },
  } as unknown as Fetcher;
  return { fetcher, calls };
}

const limitNotes = (id: string, store: JobStore) => waitNotes(store, id, 'limit');

describe("a run refused by the key's own rate limit", () => {
  it('does not consume an attempt: a burst over requests_per_minute all succeeds, each with one attempt', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      const gateway = gatewayWithRpm(clock, 2, () => 'k1');
      const ids = Array.from({ length: 8 }, (_, i) => `burst${i}`);
      // a one-hour deadline: long enough for 8 requests at 2 a minute
      for (const id of ids) store.enqueue(newJob(id, { maxAttempts: 2, timeoutMs: 3_600_000 }));
      const engine = engineFor(store, clock, gateway.fetcher);
      await runToEnd(engine, store, clock, ids);

      for (const id of ids) {
        const view = jobView(store.get(id)!);
        expect(view.status).toBe('succeeded');
        expect(view.attempts).toBe(1);
        expect(view.attempt_log.map((a) => a.outcome)).toEqual(['succeeded']);
      }
      // 2 requests at once, then one every 30 s: most jobs waited, and their transitions say so
      const waited = ids.filter((id) => limitNotes(id, store).length > 0);
      expect(waited.length).toBeGreaterThanOrEqual(6);
      const view = jobView(store.get(waited.at(-1)!)!);
      expect(view.transitions.map((t) => t.status)).toEqual(['queued', 'queued', 'running', 'succeeded']);
      expect(view.transitions[1]).toMatchObject({
        status: 'queued',
        attempt: 1,
        note: expect.stringMatching(/^limit wait: rate_limit_exceeded \(\d+ in a row\)$/),
      });
      // never sooner than Retry-After: no refused job ran again before a request was back
      const refusedAt = gateway.calls.filter((c) => c.status === 429).map((c) => c.at);
      const served = gateway.calls.filter((c) => c.status === 200);
      expect(served).toHaveLength(8);
      expect(refusedAt.length).toBeGreaterThan(0);
      for (let i = 2; i < served.length; i++)
        expect(served[i]!.at - served[i - 2]!.at).toBeGreaterThanOrEqual(30_000);
    }));

  it('waits at least the Retry-After, with jitter, and the wait is visible as next_attempt_at', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('one', { maxAttempts: 1, timeoutMs: 3_600_000 }));
      const engine = engineFor(
        store,
        clock,
        answering(() => refused('rate_limit_exceeded', 12_000)),
      );
      const next = await engine.drain();
      const view = jobView(store.get('one')!);
      expect(view).toMatchObject({ status: 'queued', attempts: 0, attempt_log: [], started_at: null });
      expect(view.next_attempt_at).toBeGreaterThan(clock.now() + 12_000);
      expect(view.next_attempt_at).toBeLessThanOrEqual(clock.now() + 12_000 + 6_000);
      // the object's alarm is asked for exactly then
      expect(next).toBe(view.next_attempt_at);
      expect(limitNotes('one', store)).toHaveLength(1);
    }));

  it('collapses waits in a row into one transition, so a long wait never grows the job', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('long', { maxAttempts: 1, timeoutMs: 600_000 }));
      let refusals = 0;
      const engine = engineFor(
        store,
        clock,
        answering(() => {
          refusals++;
          return refusals <= 5 ? refused('concurrency_limit_exceeded', 1000) : completion();
        }),
      );
      await runToEnd(engine, store, clock, ['long']);
      const view = jobView(store.get('long')!);
      expect(view.status).toBe('succeeded');
      expect(view.attempts).toBe(1);
      expect(view.transitions.map((t) => t.status)).toEqual(['queued', 'queued', 'running', 'succeeded']);
      expect(view.transitions[1]!.note).toBe('limit wait: concurrency_limit_exceeded (5 in a row)');
      expect(view.attempt_log).toHaveLength(1);
      expect(view.started_at).toBe(view.attempt_log[0]!.started_at);
    }));

  it('ends expired (not failed) when its deadline passes while it waits', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('late', { maxAttempts: 2, timeoutMs: 90_000 }));
      const engine = engineFor(
        store,
        clock,
        answering(() => refused('rate_limit_exceeded', 20_000)),
      );
      await runToEnd(engine, store, clock, ['late']);
      const view = jobView(store.get('late')!);
      expect(view).toMatchObject({ status: 'expired', attempts: 0, attempt_log: [] });
      expect(view.error?.code).toBe('job_expired');
      expect(view.finished_at).toBe(view.expires_at);
      expect(limitNotes('late', store).length).toBeGreaterThan(0);
    }));

  it('waits for a spent daily budget until it resets, bounded by the deadline (then expired)', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('budget', { maxAttempts: 3, timeoutMs: 3_600_000 }));
      const engine = engineFor(
        store,
        clock,
        answering(() => refused('budget_exceeded', 5 * 3_600_000)),
      );
      const next = await engine.drain();
      const waiting = jobView(store.get('budget')!);
      expect(waiting).toMatchObject({ status: 'queued', attempts: 0 });
      expect(waiting.next_attempt_at).toBeGreaterThanOrEqual(clock.now() + 5 * 3_600_000);
      // the object wakes at the deadline, which comes first
      expect(next).toBe(waiting.expires_at);
      await runToEnd(engine, store, clock, ['budget']);
      expect(jobView(store.get('budget')!)).toMatchObject({ status: 'expired', attempts: 0 });
    }));
});

describe('failures that are not the key’s own limit', () => {
  it.each([
    ['an origin 503', () => refused('origin_unavailable', 1000, 503)],
    ['a saturated pool (429 pool_saturated)', () => refused('pool_saturated', 1000)],
    ['a shed request (429 request_shed)', () => refused('request_shed', 1000)],
  ])('still consume attempts: %s fails the job after max_attempts', (_name, answer) =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('bad', { maxAttempts: 3, timeoutMs: 3_600_000 }));
      const engine = engineFor(store, clock, answering(answer));
      await runToEnd(engine, store, clock, ['bad']);
      const view = jobView(store.get('bad')!);
      expect(view).toMatchObject({ status: 'failed', attempts: 3 });
      expect(view.attempt_log.map((a) => a.outcome)).toEqual([
        'retryable_error',
        'retryable_error',
        'retryable_error',
      ]);
      expect(limitNotes('bad', store)).toEqual([]);
      expect(store.counts().limitWaiting).toBe(0);
    }),
  );

  it('a refusal after earlier failures keeps the attempts already spent', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('mixed', { maxAttempts: 2, timeoutMs: 3_600_000 }));
      const answers = [
        () => refused('origin_unavailable', 1000, 503),
        () => refused('rate_limit_exceeded', 1000),
        () => refused('rate_limit_exceeded', 1000),
        completion,
      ];
      const engine = engineFor(
        store,
        clock,
        answering(() => answers.shift()!()),
      );
      await runToEnd(engine, store, clock, ['mixed']);
      const view = jobView(store.get('mixed')!);
      expect(view).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(view.attempt_log.map((a) => [a.attempt, a.outcome])).toEqual([
        [1, 'retryable_error'],
        [2, 'succeeded'],
      ]);
      expect(view.transitions.map((t) => [t.status, t.attempt ?? null])).toEqual([
        ['queued', null],
        ['running', 1],
        ['queued', 1],
        ['queued', 2],
        ['running', 2],
        ['succeeded', 2],
      ]);
    }));
});

describe('limit wait policy', () => {
  it("counts only the key's own limits as waits", () => {
    for (const code of ['rate_limit_exceeded', 'concurrency_limit_exceeded', 'budget_exceeded'])
      expect(isKeyLimitRefusal(jobError(429, code, 'x'))).toBe(true);
    for (const code of ['pool_saturated', 'request_shed', 'queue_timeout', 'too_many_auth_failures'])
      expect(isKeyLimitRefusal(jobError(429, code, 'x'))).toBe(false);
    expect(isKeyLimitRefusal(jobError(503, 'rate_limit_exceeded', 'x'))).toBe(false);
    expect(isKeyLimitRefusal(jobError(400, 'request_exceeds_budget', 'x'))).toBe(false);
  });

  it('never waits less than Retry-After; the jitter grows with waits in a row, within bounds', () => {
    expect(limitWaitMs(2000, 1, () => 0)).toBe(2000);
    expect(limitWaitMs(2000, 1, () => 1)).toBe(2500);
    expect(limitWaitMs(2000, 3, () => 1)).toBe(4000);
    expect(limitWaitMs(2000, 50, () => 1)).toBe(2000 + 16 * 2000);
    // at least 100 ms of spread, at most 5 minutes
    expect(limitWaitMs(10, 1, () => 1)).toBe(110);
    expect(limitWaitMs(86_400_000, 1, () => 1)).toBe(86_400_000 + 300_000);
    // no Retry-After: the gateway's own default of one second
    expect(limitWaitMs(undefined, 1, () => 0)).toBe(1000);
  });
});

describe('an object created before limit waits', () => {
  it('gains the column when it starts, its jobs kept', () =>
    withSql(async (sql) => {
      const clock = manualClock();
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('old'));
      // as an object that predates the column, and so the indexes of waits that read it
      sql.exec('DROP INDEX jobs_capacity_wait');
      sql.exec('DROP INDEX jobs_key_slot_wait');
      sql.exec('ALTER TABLE jobs DROP COLUMN limit_waits');
      migrate(sql);
      migrate(sql);
      expect(store.get('old')).toMatchObject({ status: 'queued', limit_waits: 0 });
    }));
});
