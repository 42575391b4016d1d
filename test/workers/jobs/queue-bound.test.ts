import { describe, expect, it } from 'vitest';
import { jobSettings } from '../../../durable-objects/job-queue/config.ts';
import {
  type JobStore,
  jobError,
  RECENT_FINISHES_SQL,
  UNFINISHED_COUNT_SQL,
} from '../../../durable-objects/job-queue/job-store.ts';
import { queueFullRetryAfterMs, shardBound } from '../../../durable-objects/job-queue/queue-bound.ts';
import { migrate, type Sql } from '../../../durable-objects/job-queue/sql.ts';
import { newJob, storeWith, withSql } from './helpers.ts';

const err = jobError(503, 'unavailable', 'down');
const bound = (n: number) => ({ maxUnfinished: n });

/** What the bound must equal: the unfinished rows, counted the slow way. */
const trueCount = (sql: Sql) =>
  sql
    .exec<{ n: number }>(`SELECT count(*) AS n FROM jobs WHERE status IN ('queued', 'waiting', 'running')`)
    .one().n;

function expectCounted(sql: Sql, store: JobStore, n: number) {
  expect(trueCount(sql)).toBe(n);
  expect(store.unfinishedCount()).toBe(n);
}

describe('the bound on unfinished jobs (JobStore)', () => {
  it('stores jobs up to the bound, then refuses the next before storing anything', () =>
    withSql((sql) => {
      const { store } = storeWith(sql);
      for (const id of ['a', 'b', 'c'])
        expect(store.enqueue(newJob(id), undefined, bound(3)).kind).toBe('created');
      const refused = store.enqueue(newJob('d'), { scope: 'sd', bodyHash: 'h' }, bound(3));
      // nothing finished lately: retry in a whole minute
      expect(refused).toEqual({ kind: 'full', limit: 3, unfinished: 3, retryAfterMs: 60_000 });
      expect(store.get('d')).toBeUndefined();
      expect(sql.exec<{ n: number }>('SELECT count(*) AS n FROM jobs').one().n).toBe(3);
      // the refused submit left no idempotency key behind either
      expect(sql.exec<{ n: number }>('SELECT count(*) AS n FROM idempotency').one().n).toBe(0);
      // without a bound (the benchmark's store) nothing is refused
      expect(store.enqueue(newJob('e')).kind).toBe('created');
    }));

  it('answers an idempotent resubmit of an accepted job even when full; a new key is refused', () =>
    withSql((sql) => {
      const { store } = storeWith(sql);
      expect(store.enqueue(newJob('a'), { scope: 'sa', bodyHash: 'h' }, bound(2)).kind).toBe('created');
      expect(store.enqueue(newJob('b'), undefined, bound(2)).kind).toBe('created');
      expect(store.enqueue(newJob('a2'), { scope: 'sa', bodyHash: 'h' }, bound(2))).toMatchObject({
        kind: 'replayed',
        row: { id: 'a' },
      });
      // the same key with another body is still the conflict it always was
      expect(store.enqueue(newJob('a3'), { scope: 'sa', bodyHash: 'other' }, bound(2))).toEqual({
        kind: 'conflict',
        jobId: 'a',
      });
      expect(store.enqueue(newJob('c'), { scope: 'sc', bodyHash: 'h' }, bound(2)).kind).toBe('full');
    }));

  it('accepts submits again once jobs finish, however they finish', () =>
    withSql((sql) => {
      const { store, clock } = storeWith(sql);
      for (const id of ['s', 'f', 'x', 'e'])
        store.enqueue(newJob(id, { timeoutMs: 1_000 }), undefined, bound(4));
      expect(store.enqueue(newJob('n0'), undefined, bound(4)).kind).toBe('full');
      const running = store.claim(3);
      expect(running.map((r) => r.id)).toEqual(['s', 'f', 'x']);
      // succeeded
      store.succeed('s', 1, { ok: 1 }, null);
      expect(store.enqueue(newJob('n1', { timeoutMs: 60_000 }), undefined, bound(4)).kind).toBe('created');
      expect(store.enqueue(newJob('n2'), undefined, bound(4)).kind).toBe('full');
      // failed
      store.finishWithError('f', 1, 'failed', err, 'error');
      expect(store.enqueue(newJob('n2', { timeoutMs: 60_000 }), undefined, bound(4)).kind).toBe('created');
      // cancelled
      store.cancel('x');
      expect(store.enqueue(newJob('n3', { timeoutMs: 60_000 }), undefined, bound(4)).kind).toBe('created');
      // expired at its deadline
      clock.advance(1_001);
      expect(store.expireDue()).toEqual(['e']);
      expect(store.enqueue(newJob('n4', { timeoutMs: 60_000 }), undefined, bound(4)).kind).toBe('created');
      expectCounted(sql, store, 4);
    }));

  it('keeps its count through every transition: retries, limit waits, restarts, replays and purges', () =>
    withSql((sql) => {
      const { store, clock } = storeWith(sql);
      for (let i = 0; i < 6; i++) store.enqueue(newJob(`j${i}`, { maxAttempts: 1 }));
      expectCounted(sql, store, 6);
      store.claim(6);
      expectCounted(sql, store, 6);
      expect(store.retryLater('j0', 1, err, 5)).toBe(true); // waiting: still unfinished
      expect(store.limitWait('j1', 1, 'rate_limit_exceeded', 5)).toBe(true);
      expectCounted(sql, store, 6);
      clock.advance(10);
      expect(store.promoteDue()).toBe(2);
      expectCounted(sql, store, 6);
      expect(store.succeed('j2', 1, { ok: 1 }, null)).toBe(true);
      expect(store.succeed('j2', 1, { ok: 1 }, null)).toBe(false); // a repeated writer changes nothing
      expectCounted(sql, store, 5);
      // a restart: running jobs on their last attempt fail, the others go back to the queue
      expect(store.recoverInterrupted()).toBe(3);
      expectCounted(sql, store, 2);
      // an admin replay queues a failed job again
      expect(store.replay('j3')).toBe(true);
      expectCounted(sql, store, 3);
      clock.advance(3_600_000);
      expect(store.purge(1_000)).toBe(3); // only finished jobs are purged
      expectCounted(sql, store, 3);
      sql.exec(`DELETE FROM jobs WHERE id = 'j0'`);
      expectCounted(sql, store, 2);
    }));

  it('Retry-After follows how fast the shard finished jobs over the last minute', () =>
    withSql((sql) => {
      const { store, clock } = storeWith(sql);
      for (let i = 0; i < 12; i++) store.enqueue(newJob(`r${i}`));
      for (const row of store.claim(10)) store.succeed(row.id, 1, { ok: 1 }, null);
      expect(store.enqueue(newJob('over'), undefined, bound(2))).toMatchObject({
        kind: 'full',
        unfinished: 2,
        retryAfterMs: 6_000, // ten finished in the last minute: one place every 6 s
      });
      clock.advance(60_001);
      expect(store.enqueue(newJob('over'), undefined, bound(2))).toMatchObject({ retryAfterMs: 60_000 });
    }));
});

describe('the cost of the bound', () => {
  it('reads one row to check it, and only an index of finishes to answer a refusal', () =>
    withSql((sql) => {
      storeWith(sql);
      const plan = (query: string, ...bindings: unknown[]) =>
        sql
          .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${query}`, ...bindings)
          .toArray()
          .map((r) => r.detail)
          .join('; ');
      expect(plan(UNFINISHED_COUNT_SQL)).toMatch(/^SEARCH job_totals USING INTEGER PRIMARY KEY/);
      expect(plan(RECENT_FINISHES_SQL, 0)).toMatch(
        /^SEARCH jobs USING COVERING INDEX jobs_finished \(finished_at>\?\)$/,
      );
    }));
});

describe('an object created before the bound', () => {
  it('counts its unfinished jobs once when it starts, then keeps the count', () =>
    withSql((sql) => {
      const { store } = storeWith(sql);
      for (let i = 0; i < 5; i++) store.enqueue(newJob(`o${i}`));
      const [first] = store.claim(1);
      store.succeed(first!.id, 1, { ok: 1 }, null);
      store.claim(1);
      // as an object that predates the counter: no totals table, no triggers
      for (const trigger of ['jobs_unfinished_insert', 'jobs_unfinished_update', 'jobs_unfinished_delete'])
        sql.exec(`DROP TRIGGER ${trigger}`);
      sql.exec('DROP TABLE job_totals');
      migrate(sql);
      migrate(sql);
      expectCounted(sql, store, 4);
      store.enqueue(newJob('new'));
      store.cancel('o2');
      expectCounted(sql, store, 4);
      expect(store.enqueue(newJob('over'), undefined, bound(4)).kind).toBe('full');
    }));
});

describe('the bound settings', () => {
  it('shares the tenant bound among its shards, rounding up', () => {
    expect(shardBound(100_000, 4)).toBe(25_000);
    expect(shardBound(10, 3)).toBe(4);
    expect(shardBound(5, 8)).toBe(1);
    expect(shardBound(7, 1)).toBe(7);
  });

  it('reads ECO_JOB_MAX_PENDING within bounds (default 100,000; the default while out of them)', () => {
    expect(jobSettings({}).maxPending).toBe(100_000);
    expect(jobSettings({ ECO_JOB_MAX_PENDING: '250' }).maxPending).toBe(250);
    expect(jobSettings({ ECO_JOB_MAX_PENDING: '0' }).maxPending).toBe(100_000);
    expect(jobSettings({ ECO_JOB_MAX_PENDING: 'lots' }).maxPending).toBe(100_000);
  });

  it('asks a refused client to wait between one second and one minute', () => {
    expect(queueFullRetryAfterMs(0)).toBe(60_000);
    expect(queueFullRetryAfterMs(1)).toBe(60_000);
    expect(queueFullRetryAfterMs(7)).toBe(8_572);
    expect(queueFullRetryAfterMs(5_000)).toBe(1_000);
  });
});
