import { describe, expect, it } from 'vitest';
import {
  capacityPeers,
  freesCapacity,
  MODEL_WAITERS_SQL,
  peersWithin,
  type RoutedModel,
  wakeCapacityWaiters,
} from '../../../durable-objects/job-queue/capacity-wake.ts';
import type { ExecOutcome } from '../../../durable-objects/job-queue/job-engine.ts';
import { JobStore, jobError, type NewJob } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import { migrate, type Sql } from '../../../durable-objects/job-queue/sql.ts';
import { manualClock, newJob, withSql } from './helpers.ts';
import { scripted, scriptedEngine, settle, status, success, waiting } from './scripted-runs.ts';
import type { Clock } from './wait-fixtures.ts';

/**
 * Jobs the engine pools refused wait their Retry-After (60 s here), but a job of the same model that
 * finishes in the same shard frees a slot of that model's pools: one waiter is woken then. The clock
 * never moves in these tests, so a waiter that runs at all ran early.
 */
const RETRY_AFTER_MS = 60_000;

const poolRefusal = (code = 'pool_saturated'): ExecOutcome => ({
  kind: 'failed',
  retryable: true,
  error: jobError(429, code, `refused: ${code}`),
  retryAfterMs: RETRY_AFTER_MS,
  refusedByPool: true,
});
const engine = (
  store: JobStore,
  clock: Clock,
  execute: ReturnType<typeof scripted>['execute'],
  capacityPeers?: (model: string) => Promise<readonly string[]>,
) => scriptedEngine(store, clock, execute, { concurrency: 4, ...(capacityPeers ? { capacityPeers } : {}) });

describe('a capacity-waiting job woken when a job of its model finishes in its shard', () => {
  it('is claimed right after the other job completes, not after its Retry-After', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const t0 = clock.now();
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('runner', { timeoutMs: 3_600_000 }));
      store.enqueue(newJob('waiter', { timeoutMs: 3_600_000 }));
      const gw = scripted(clock, { runner: ['held'], waiter: [poolRefusal()] });
      const drained = engine(store, clock, gw.execute).drain();
      await settle(() => waiting(store, 'waiter') && gw.held().includes('runner'));
      expect(jobView(store.get('waiter')!).next_attempt_at).toBeGreaterThanOrEqual(t0 + RETRY_AFTER_MS);

      gw.finish('runner');
      // The same drain goes on: no alarm, no clock movement.
      await drained;
      expect(status(store, 'runner')).toBe('succeeded');
      expect(status(store, 'waiter')).toBe('succeeded');
      expect(gw.runs).toEqual([
        { id: 'runner', at: t0 },
        { id: 'waiter', at: t0 },
        { id: 'waiter', at: t0 },
      ]);
      // Still a wait, not an attempt.
      expect(jobView(store.get('waiter')!)).toMatchObject({ attempts: 1 });
    }));

  it('wakes one waiter per finished run, best priority first and FIFO within it', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('runner', { timeoutMs: 3_600_000, priority: 'critical' }));
      store.enqueue(newJob('low', { timeoutMs: 3_600_000, priority: 'low' }));
      store.enqueue(newJob('high', { timeoutMs: 3_600_000, priority: 'high' }));
      store.enqueue(newJob('high2', { timeoutMs: 3_600_000, priority: 'high' }));
      const refusedThenHeld = [poolRefusal(), 'held'] as const;
      const gw = scripted(clock, {
        runner: ['held'],
        low: [...refusedThenHeld],
        high: [...refusedThenHeld],
        high2: [...refusedThenHeld],
      });
      const drained = engine(store, clock, gw.execute).drain();
      const allWaiting = () => ['low', 'high', 'high2'].every((id) => waiting(store, id));
      await settle(allWaiting);
      const before = Object.fromEntries(
        ['low', 'high', 'high2'].map((id) => [id, store.get(id)!.next_run_at]),
      );

      const secondRuns = () => gw.runs.slice(4).map((r) => r.id);
      gw.finish('runner');
      await settle(() => gw.held().includes('high'));
      expect(secondRuns()).toEqual(['high']);
      // The others still wait for their own Retry-After, untouched.
      for (const id of ['low', 'high2']) {
        expect(waiting(store, id)).toBe(true);
        expect(store.get(id)!.next_run_at).toBe(before[id]);
      }

      gw.finish('high');
      await settle(() => gw.held().includes('high2'));
      expect(secondRuns()).toEqual(['high', 'high2']);
      expect(waiting(store, 'low')).toBe(true);

      gw.finish('high2');
      await settle(() => gw.held().includes('low'));
      gw.finish('low');
      await drained;
      expect(secondRuns()).toEqual(['high', 'high2', 'low']);
      for (const id of ['runner', 'low', 'high', 'high2']) expect(status(store, id)).toBe('succeeded');
    }));

  it('is woken by a run that failed after reaching an origin, and by a cancelled run', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      for (const id of ['failing', 'cancelled', 'w1', 'w2'])
        store.enqueue(newJob(id, { timeoutMs: 3_600_000, maxAttempts: 1 }));
      const gw = scripted(clock, {
        failing: ['held'],
        cancelled: ['held'],
        w1: [poolRefusal(), 'held'],
        w2: [poolRefusal(), 'held'],
      });
      const eng = engine(store, clock, gw.execute);
      const drained = eng.drain();
      await settle(() => waiting(store, 'w1') && waiting(store, 'w2') && gw.held().length === 2);

      gw.finish('failing', {
        kind: 'failed',
        retryable: false,
        error: jobError(400, 'context_length_exceeded', 'too long'),
      });
      await settle(() => gw.held().includes('w1'));
      expect(status(store, 'failing')).toBe('failed');
      expect(waiting(store, 'w2')).toBe(true);

      eng.cancel('cancelled');
      await settle(() => gw.held().includes('w2'));
      expect(status(store, 'cancelled')).toBe('cancelled');

      gw.finish('w1');
      gw.finish('w2');
      await drained;
      expect([status(store, 'w1'), status(store, 'w2')]).toEqual(['succeeded', 'succeeded']);
    }));
});

describe('what does not wake a capacity-waiting job', () => {
  it('a job of another model finishing, a refused run, or a job waiting for its key limit', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      const long = { timeoutMs: 3_600_000 };
      store.enqueue(newJob('other-model', { ...long, model: 'other' }));
      store.enqueue(newJob('capacity', long));
      store.enqueue(newJob('limited', long));
      store.enqueue(newJob('refused-again', long));
      const keyLimit: ExecOutcome = {
        kind: 'failed',
        retryable: true,
        error: jobError(429, 'rate_limit_exceeded', 'limit'),
        retryAfterMs: RETRY_AFTER_MS,
      };
      const gw = scripted(clock, {
        'other-model': ['held'],
        capacity: [poolRefusal()],
        limited: [keyLimit],
        'refused-again': [poolRefusal('request_shed')],
      });
      const drained = engine(store, clock, gw.execute).drain();
      await settle(() => ['capacity', 'limited', 'refused-again'].every((id) => waiting(store, id)));
      gw.finish('other-model');
      const next = await drained;
      expect(status(store, 'other-model')).toBe('succeeded');
      // Nobody else ran again: each waits for its own Retry-After, which the drain asks to be woken for.
      expect(gw.runs.map((r) => r.id).sort()).toEqual([
        'capacity',
        'limited',
        'other-model',
        'refused-again',
      ]);
      for (const id of ['capacity', 'limited', 'refused-again']) expect(waiting(store, id)).toBe(true);
      expect(next).toBeGreaterThanOrEqual(clock.now() + RETRY_AFTER_MS);
    }));

  it('the Retry-After still wakes a waiter when nothing of its model finishes', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('alone', { timeoutMs: 3_600_000 }));
      const gw = scripted(clock, { alone: [poolRefusal()] });
      const eng = engine(store, clock, gw.execute);
      const next = await eng.drain();
      expect(next).toBe(store.get('alone')!.next_run_at);
      clock.set(next!);
      await eng.drain();
      expect(status(store, 'alone')).toBe('succeeded');
    }));
});

describe('capacity-wake, on its own', () => {
  const refused = (code = 'pool_saturated'): ExecOutcome => poolRefusal(code);

  it('counts every ended run as freeing a slot except one that was itself a wait', () => {
    expect(freesCapacity(success)).toBe(true);
    const failed = (status: number, code: string, refusedByPool?: boolean): ExecOutcome => ({
      kind: 'failed',
      retryable: status >= 500 || status === 429,
      error: jobError(status, code, code),
      ...(refusedByPool === undefined ? {} : { refusedByPool }),
    });
    expect(freesCapacity(failed(502, 'origin_error'))).toBe(true);
    expect(freesCapacity(failed(400, 'context_length_exceeded'))).toBe(true);
    // an origin's own 429/503 (no pool marker) held a slot until it answered
    expect(freesCapacity(failed(429, 'origin_overloaded'))).toBe(true);
    expect(freesCapacity(failed(503, 'origin_unavailable'))).toBe(true);
    expect(
      freesCapacity({ kind: 'failed', retryable: true, error: jobError(null, 'job_aborted', 'aborted') }),
    ).toBe(true);
    // refused before it held anything
    expect(freesCapacity(refused())).toBe(false);
    expect(freesCapacity(failed(503, 'origin_unavailable', true))).toBe(false);
    expect(freesCapacity(failed(429, 'rate_limit_exceeded'))).toBe(false);
    expect(freesCapacity(failed(429, 'budget_exceeded'))).toBe(false);
  });

  /** A store holding jobs that each ran once and were refused: `kind` says by what. */
  function storeWithWaits(sql: Sql, clock: Clock, jobs: [string, Partial<NewJob>, 'capacity' | 'limit'][]) {
    const store = new JobStore(sql, clock.now);
    for (const [id, over] of jobs) store.enqueue(newJob(id, { timeoutMs: 3_600_000, ...over }));
    const claimed = store.claim(jobs.length);
    for (const row of claimed) {
      const kind = jobs.find(([id]) => id === row.id)![2];
      store.limitWait(row.id, row.attempts, 'x', RETRY_AFTER_MS, kind);
    }
    return store;
  }

  it('wakes at most `count` capacity waiters of the model, in claim order, due at the injected now', () =>
    withSql((sql) => {
      const clock = manualClock(5_000_000);
      const store = storeWithWaits(sql, clock, [
        ['n1', { priority: 'normal' }, 'capacity'],
        ['l1', { priority: 'low' }, 'capacity'],
        ['h1', { priority: 'high' }, 'capacity'],
        ['n2', { priority: 'normal' }, 'capacity'],
        ['other', { priority: 'critical', model: 'other' }, 'capacity'],
        ['limit', { priority: 'critical' }, 'limit'],
      ]);
      clock.advance(1234);
      expect(wakeCapacityWaiters(sql, clock.now(), ['m'], 0)).toEqual([]);
      expect(store.wakeCapacityWaiters(['m'], 3)).toEqual(['h1', 'n1', 'n2']);
      for (const id of ['h1', 'n1', 'n2'])
        expect(store.get(id)).toMatchObject({ status: 'queued', next_run_at: 5_001_234, limit_waits: 1 });
      for (const id of ['l1', 'other', 'limit'])
        expect(store.get(id)).toMatchObject({ status: 'waiting', next_run_at: 5_000_000 + RETRY_AFTER_MS });
      expect(store.wakeCapacityWaiters(['m'], 5)).toEqual(['l1']);
      expect(store.wakeCapacityWaiters(['m'], 5)).toEqual([]);
      // the woken run in claim order, the others' waits untouched
      expect(store.claim(10).map((r) => r.id)).toEqual(['h1', 'n1', 'n2', 'l1']);
    }));

  it('leaves alone a job sitting out a retry backoff, even if it once waited for capacity', () =>
    withSql((sql) => {
      const clock = manualClock(5_000_000);
      const store = storeWithWaits(sql, clock, [['j', {}, 'capacity']]);
      clock.advance(RETRY_AFTER_MS);
      store.promoteDue();
      const [row] = store.claim(1);
      store.retryLater('j', row!.attempts, jobError(502, 'origin_error', 'bad'), 30_000);
      expect(store.get('j')).toMatchObject({ status: 'waiting', wait_kind: 'capacity', limit_waits: 0 });
      expect(store.wakeCapacityWaiters(['m'], 1)).toEqual([]);
      expect(store.get('j')!.status).toBe('waiting');
    }));

  it('finds its waiters through the partial index, whatever the queue holds', () =>
    withSql((sql) => {
      new JobStore(sql, manualClock().now);
      const plan = sql
        .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${MODEL_WAITERS_SQL}`, 'm', 1)
        .toArray()
        .map((r) => r.detail)
        .join('; ');
      expect(plan).toMatch(/^SEARCH jobs USING (COVERING )?INDEX jobs_capacity_wait \(model=\?\)$/);
    }));

  it('is added to an object created before capacity waits when it starts', () =>
    withSql((sql) => {
      const clock = manualClock(5_000_000);
      const store = storeWithWaits(sql, clock, [['old', {}, 'limit']]);
      sql.exec('DROP INDEX jobs_capacity_wait');
      sql.exec('DROP INDEX jobs_key_slot_wait');
      sql.exec('ALTER TABLE jobs DROP COLUMN wait_kind');
      migrate(sql);
      migrate(sql);
      const indexes = sql
        .exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs'`)
        .toArray()
        .map((r) => r.name);
      expect(indexes).toContain('jobs_capacity_wait');
      expect(indexes).toContain('jobs_key_slot_wait');
      expect(store.get('old')).toMatchObject({ status: 'waiting', wait_kind: null });
      expect(store.wakeCapacityWaiters(['m'], 1)).toEqual([]);
    }));
});

describe('models that share a pool', () => {
  const model = (id: string, pools: string[], aliases: string[] = []): RoutedModel => ({
    id,
    aliases,
    routes: pools.map((pool) => ({ pool })),
  });
  const registry = (models: RoutedModel[]) => {
    const byName = new Map<string, RoutedModel>();
    for (const m of models) {
      byName.set(m.id, m);
      for (const alias of m.aliases) byName.set(alias, m);
    }
    return { byName, models };
  };

  it("are every model routed through one of the model's pools, by id and alias", () => {
    const { byName, models } = registry([
      model('a', ['p1', 'p2'], ['a-alias']),
      model('b', ['p2'], ['b-alias']),
      model('c', ['p3']),
      model('d', ['p3', 'p1']),
    ]);
    expect(capacityPeers('a', byName, models).sort()).toEqual(['a', 'a-alias', 'b', 'b-alias', 'd']);
    // a job naming an alias finds the same pools
    expect(capacityPeers('b-alias', byName, models).sort()).toEqual(['a', 'a-alias', 'b', 'b-alias']);
    expect(capacityPeers('c', byName, models).sort()).toEqual(['c', 'd']);
    // a model the registry no longer knows: only its own waiters
    expect(capacityPeers('gone', byName, models)).toEqual(['gone']);
  });

  it('wake in claim order across the models, one seek each', () =>
    withSql((sql) => {
      const clock = manualClock(5_000_000);
      const store = new JobStore(sql, clock.now);
      const jobs: [string, Partial<NewJob>][] = [
        ['a-normal', { model: 'a', priority: 'normal' }],
        ['b-normal', { model: 'b', priority: 'normal' }],
        ['b-high', { model: 'b', priority: 'high' }],
        ['c-critical', { model: 'c', priority: 'critical' }],
      ];
      for (const [id, over] of jobs) store.enqueue(newJob(id, { timeoutMs: 3_600_000, ...over }));
      for (const row of store.claim(4))
        store.limitWait(row.id, row.attempts, 'x', RETRY_AFTER_MS, 'capacity');
      expect(store.wakeCapacityWaiters(['a', 'b', 'a'], 2)).toEqual(['b-high', 'a-normal']);
      expect(store.wakeCapacityWaiters(['a', 'b'], 2)).toEqual(['b-normal']);
      expect(store.get('c-critical')!.status).toBe('waiting');
    }));

  it('a run of one model wakes a waiter of another that shares its pool', () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('runner', { timeoutMs: 3_600_000, model: 'a' }));
      store.enqueue(newJob('waiter', { timeoutMs: 3_600_000, model: 'b' }));
      const gw = scripted(clock, { runner: ['held'], waiter: [poolRefusal()] });
      const asked: string[] = [];
      const peers = async (m: string) => {
        asked.push(m);
        return m === 'a' ? ['a', 'b'] : [m];
      };
      const drained = engine(store, clock, gw.execute, peers).drain();
      await settle(() => waiting(store, 'waiter') && gw.held().includes('runner'));
      gw.finish('runner');
      await drained;
      expect(status(store, 'waiter')).toBe('succeeded');
      // asked once, for the run that ended with a waiter in the shard (the waiter's own ends had none)
      expect(asked).toEqual(['a']);
    }));

  it("falls back to the run's own model when the lookup fails", () =>
    withSql(async (sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('runner', { timeoutMs: 3_600_000 }));
      store.enqueue(newJob('waiter', { timeoutMs: 3_600_000 }));
      const gw = scripted(clock, { runner: ['held'], waiter: [poolRefusal()] });
      const drained = engine(store, clock, gw.execute, () => Promise.reject(new Error('D1 down'))).drain();
      await settle(() => waiting(store, 'waiter') && gw.held().includes('runner'));
      gw.finish('runner');
      await drained;
      expect(status(store, 'waiter')).toBe('succeeded');
    }));
});

describe('the lookup of models sharing a pool', () => {
  it("answers the model's own name when it fails or does not answer in time", async () => {
    expect(await peersWithin(async () => ['a', 'b'], 'a', 1000)).toEqual(['a', 'b']);
    expect(await peersWithin(() => Promise.reject(new Error('D1 down')), 'a', 1000)).toEqual(['a']);
    // never answers: the run's end does not wait on it for longer than the bound
    expect(await peersWithin(() => new Promise(() => {}), 'a', 5)).toEqual(['a']);
  });
});
