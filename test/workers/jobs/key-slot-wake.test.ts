import { describe, expect, it } from 'vitest';
import type { ExecOutcome } from '../../../durable-objects/job-queue/job-engine.ts';
import { JobStore, jobError, type NewJob } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import { KEY_WAITERS_SQL } from '../../../durable-objects/job-queue/key-slot-wake.ts';
import { migrate, type Sql } from '../../../durable-objects/job-queue/sql.ts';
import { manualClock, newJob, withSql } from './helpers.ts';
import { scripted, scriptedEngine, settle, status, waiting } from './scripted-runs.ts';
import type { Clock } from './wait-fixtures.ts';

/**
 * Jobs refused by their key's `max_concurrent` wait its Retry-After (60 s here, so a run that happens
 * at all happened early: the clock never moves), but a run of the same key ending in the same shard
 * gave a slot of that key back: one such waiter is woken then.
 */
const RETRY_AFTER_MS = 60_000;
const HOUR = 3_600_000;

const keyRefusal = (code = 'concurrency_limit_exceeded'): Extract<ExecOutcome, { kind: 'failed' }> => ({
  kind: 'failed',
  retryable: true,
  error: jobError(429, code, `refused: ${code}`),
  retryAfterMs: RETRY_AFTER_MS,
});
const poolRefusal: ExecOutcome = { ...keyRefusal('pool_saturated'), refusedByPool: true };
const engine = (store: JobStore, clock: Clock, execute: ReturnType<typeof scripted>['execute']) =>
  scriptedEngine(store, clock, execute, { concurrency: 6 });
const long = (over: Partial<NewJob> = {}) => ({ timeoutMs: HOUR, ...over });

describe("a job waiting for its key's concurrency limit", () => {
  it('runs as soon as a run of the same key ends in its shard, not at its Retry-After', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const t0 = clock.now();
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('runner', long()));
      store.enqueue(newJob('waiter', long()));
      const gw = scripted(clock, { runner: ['held'], waiter: [keyRefusal()] });
      const drained = engine(store, clock, gw.execute).drain();
      await settle(() => waiting(store, 'waiter') && gw.held().includes('runner'));
      expect(jobView(store.get('waiter')!).next_attempt_at).toBeGreaterThanOrEqual(t0 + RETRY_AFTER_MS);

      gw.finish('runner');
      await drained;
      expect(gw.ids()).toEqual(['runner', 'waiter', 'waiter']);
      const job = jobView(store.get('waiter')!);
      expect(job).toMatchObject({ status: 'succeeded', attempts: 1 });
      // still told as a wait for the key's limit, not an attempt
      expect(job.transitions.map((t) => t.note).filter(Boolean)).toEqual([
        'limit wait: concurrency_limit_exceeded (1 in a row)',
      ]);
    }));

  it('is woken one per ended run, best class first and FIFO within it', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('runner', long({ priority: 'critical' })));
      for (const [id, priority] of [
        ['low', 'low'],
        ['high', 'high'],
        ['high2', 'high'],
      ] as const)
        store.enqueue(newJob(id, long({ priority })));
      const refusedThenHeld = () => [keyRefusal(), 'held'] as (ExecOutcome | 'held')[];
      const gw = scripted(clock, {
        runner: ['held'],
        low: refusedThenHeld(),
        high: refusedThenHeld(),
        high2: refusedThenHeld(),
      });
      const drained = engine(store, clock, gw.execute).drain();
      await settle(() => ['low', 'high', 'high2'].every((id) => waiting(store, id)));
      const before = Object.fromEntries(['low', 'high2'].map((id) => [id, store.get(id)!.next_run_at]));
      const second = () => gw.ids().slice(4);

      gw.finish('runner');
      await settle(() => gw.held().includes('high'));
      expect(second()).toEqual(['high']);
      for (const id of ['low', 'high2']) {
        expect(waiting(store, id)).toBe(true);
        expect(store.get(id)!.next_run_at).toBe(before[id]);
      }
      gw.finish('high');
      await settle(() => gw.held().includes('high2'));
      gw.finish('high2');
      await settle(() => gw.held().includes('low'));
      gw.finish('low');
      await drained;
      expect(second()).toEqual(['high', 'high2', 'low']);
      for (const id of ['runner', 'low', 'high', 'high2']) expect(status(store, id)).toBe('succeeded');
    }));

  it('is woken by a run of its key that failed after the limits admitted it, or was cancelled', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      for (const id of ['failing', 'cancelled', 'w1', 'w2'])
        store.enqueue(newJob(id, long({ maxAttempts: 1 })));
      const gw = scripted(clock, {
        failing: ['held'],
        cancelled: ['held'],
        w1: [keyRefusal(), 'held'],
        w2: [keyRefusal(), 'held'],
      });
      const eng = engine(store, clock, gw.execute);
      const drained = eng.drain();
      await settle(() => waiting(store, 'w1') && waiting(store, 'w2') && gw.held().length === 2);

      gw.finish('failing', { kind: 'failed', retryable: false, error: jobError(400, 'bad', 'bad') });
      await settle(() => gw.held().includes('w1'));
      expect(waiting(store, 'w2')).toBe(true);

      eng.cancel('cancelled');
      await settle(() => gw.held().includes('w2'));
      gw.finish('w1');
      gw.finish('w2');
      await drained;
      expect([status(store, 'w1'), status(store, 'w2')]).toEqual(['succeeded', 'succeeded']);
    }));
});

describe("what does not wake a job waiting for its key's concurrency limit", () => {
  it("a run of another key, a run that was itself a wait, or the key's rate and budget waiters", () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('other-key', long({ keyId: 'k2' })));
      store.enqueue(newJob('slot', long()));
      store.enqueue(newJob('rate', long()));
      store.enqueue(newJob('budget', long()));
      // of another model, so the other key's run frees no slot of its pools
      store.enqueue(newJob('pool', long({ model: 'elsewhere' })));
      const gw = scripted(clock, {
        'other-key': ['held'],
        slot: [keyRefusal()],
        rate: [keyRefusal('rate_limit_exceeded')],
        budget: [keyRefusal('budget_exceeded')],
        pool: [poolRefusal],
      });
      const drained = engine(store, clock, gw.execute).drain();
      await settle(() => ['slot', 'rate', 'budget', 'pool'].every((id) => waiting(store, id)));
      gw.finish('other-key');
      const next = await drained;
      expect(status(store, 'other-key')).toBe('succeeded');
      // each ran once: the refused runs (key limits, pool) woke nobody, nor did the other key's run
      expect([...gw.ids()].sort()).toEqual(['budget', 'other-key', 'pool', 'rate', 'slot']);
      for (const id of ['slot', 'rate', 'budget', 'pool']) expect(waiting(store, id)).toBe(true);
      expect(next).toBeGreaterThanOrEqual(clock.now() + RETRY_AFTER_MS);
    }));

  it("a finished run of its key leaves the key's rate and budget waiters to their Retry-After", () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('runner', long()));
      store.enqueue(newJob('rate', long({ priority: 'critical' })));
      store.enqueue(newJob('budget', long({ priority: 'critical' })));
      const gw = scripted(clock, {
        runner: ['held'],
        rate: [keyRefusal('rate_limit_exceeded')],
        budget: [keyRefusal('budget_exceeded')],
      });
      const drained = engine(store, clock, gw.execute).drain();
      await settle(() => waiting(store, 'rate') && waiting(store, 'budget'));
      gw.finish('runner');
      await drained;
      expect([...gw.ids()].sort()).toEqual(['budget', 'rate', 'runner']);
      expect(waiting(store, 'rate') && waiting(store, 'budget')).toBe(true);
    }));
});

describe('key-slot wake-ups in the store', () => {
  /** A store whose jobs each ran once and were refused with `code` (by the pools for `pool_saturated`). */
  function storeWithWaits(sql: Sql, clock: Clock, jobs: [string, Partial<NewJob>, string][]) {
    const store = new JobStore(sql, clock.now);
    for (const [id, over] of jobs) store.enqueue(newJob(id, long(over)));
    for (const row of store.claim(jobs.length)) {
      const code = jobs.find(([id]) => id === row.id)![2];
      const kind =
        code === 'pool_saturated'
          ? 'capacity'
          : code === 'concurrency_limit_exceeded'
            ? 'concurrency'
            : 'limit';
      store.limitWait(row.id, row.attempts, code, RETRY_AFTER_MS, kind);
    }
    return store;
  }

  it("wakes at most `count` of the key's concurrency waiters, in claim order, due at the injected now", () =>
    withSql((sql) => {
      const clock = manualClock(5_000_000);
      const store = storeWithWaits(sql, clock, [
        ['n1', { priority: 'normal' }, 'concurrency_limit_exceeded'],
        ['l1', { priority: 'low' }, 'concurrency_limit_exceeded'],
        ['h1', { priority: 'high' }, 'concurrency_limit_exceeded'],
        ['other', { priority: 'critical', keyId: 'k2' }, 'concurrency_limit_exceeded'],
        ['rate', { priority: 'critical' }, 'rate_limit_exceeded'],
        ['cap', { priority: 'critical' }, 'pool_saturated'],
      ]);
      clock.advance(1234);
      expect(store.wakeKeySlotWaiters('k1', 0)).toEqual([]);
      expect(store.wakeKeySlotWaiters('k1', 2)).toEqual(['h1', 'n1']);
      for (const id of ['h1', 'n1'])
        expect(store.get(id)).toMatchObject({ status: 'queued', next_run_at: 5_001_234, limit_waits: 1 });
      for (const id of ['l1', 'other', 'rate', 'cap'])
        expect(store.get(id)).toMatchObject({ status: 'waiting', next_run_at: 5_000_000 + RETRY_AFTER_MS });
      expect(store.wakeKeySlotWaiters('k1', 5)).toEqual(['l1']);
      expect(store.wakeKeySlotWaiters('k1', 5)).toEqual([]);
      // a concurrency wait is one of the key's limit waits in the metrics
      expect(store.counts()).toMatchObject({ limitWaiting: 2, capacityWaiting: 1 });
    }));

  it('leaves alone a job sitting out a retry backoff, even if it once waited for a slot', () =>
    withSql((sql) => {
      const clock = manualClock(5_000_000);
      const store = storeWithWaits(sql, clock, [['j', {}, 'concurrency_limit_exceeded']]);
      clock.advance(RETRY_AFTER_MS);
      store.promoteDue();
      const [row] = store.claim(1);
      store.retryLater('j', row!.attempts, jobError(502, 'origin_error', 'bad'), 30_000);
      expect(store.wakeKeySlotWaiters('k1', 1)).toEqual([]);
      expect(store.get('j')!.status).toBe('waiting');
    }));

  it('finds its waiters through a partial index, and adds it to an object created before it', () =>
    withSql((sql) => {
      const clock = manualClock(5_000_000);
      const store = storeWithWaits(sql, clock, [['old', {}, 'rate_limit_exceeded']]);
      sql.exec('DROP INDEX jobs_key_slot_wait');
      migrate(sql);
      const plan = sql
        .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${KEY_WAITERS_SQL}`, 'k1', 1)
        .toArray()
        .map((r) => r.detail)
        .join('; ');
      expect(plan).toMatch(/^SEARCH jobs USING (COVERING )?INDEX jobs_key_slot_wait \(key_id=\?\)$/);
      expect(store.wakeKeySlotWaiters('k1', 1)).toEqual([]);
    }));
});
