import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import type { Executor } from '../../../durable-objects/job-queue/job-engine.ts';
import type { JobQueue } from '../../../durable-objects/job-queue/job-queue.ts';
import { JobStore } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import type { Sql } from '../../../durable-objects/job-queue/sql.ts';
import { freshQueue, newJob, storeWith, withSql } from './helpers.ts';

/**
 * An executor that holds the attempt of `held` until released and answers every other at once
 * (`first` may replace the first attempt of a job; a synchronous throw stands for a start that fails).
 */
function executor(first: (id: string) => void = () => {}) {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const seen = new Set<string>();
  const execute: Executor = (row) => {
    if (!seen.has(row.id)) {
      seen.add(row.id);
      first(row.id);
    }
    const answer = { kind: 'succeeded' as const, result: { id: row.id }, usage: null };
    return row.id === 'held' ? gate.then(() => answer) : Promise.resolve(answer);
  };
  return { execute, release: () => release() };
}

/** Polls until `done` holds (bounded): the object's own drain moves the jobs meanwhile. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
}

const view = (store: JobStore, id: string) => jobView(store.get(id)!);

// A job marked running that no attempt of this instance runs would stay so until the object restarts:
// never claimed, never expired, counted against the queue's bound. With another attempt in flight, it
// goes back to the queue all the same, and the attempt in flight is left alone.
describe('a job shard with an attempt in flight', () => {
  it('keeps the jobs of a claim storage refused part-way queued, and runs them after', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const stub = freshQueue('stray-claim');
      await runInDurableObject(stub, async (instance: JobQueue, state) => {
        const sql = state.storage.sql as unknown as Sql;
        const store = new JobStore(sql, Date.now);
        const hooks = executor();
        instance.setHooks({ execute: hooks.execute, config: { concurrency: 3 } });
        store.enqueue(newJob('held'));
        const first = instance.alarm();
        await until(() => instance.inFlight().includes('held'));
        expect(instance.inFlight()).toEqual(['held']);

        store.enqueue(newJob('half'));
        store.enqueue(newJob('refused'));
        // One claim takes both: storage refuses the second row.
        sql.exec(`CREATE TRIGGER refuse_claim BEFORE UPDATE OF status ON jobs
          WHEN NEW.id = 'refused' AND NEW.status = 'running' BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
        await instance.alarm(); // the drain is running: this only wakes it, and its claim fails
        await first;

        expect(view(store, 'half')).toMatchObject({ status: 'queued', attempts: 0 });
        expect(view(store, 'refused')).toMatchObject({ status: 'queued', attempts: 0 });
        expect(instance.inFlight()).toEqual(['held']);
        expect(view(store, 'held')).toMatchObject({ status: 'running', attempts: 1 });

        sql.exec('DROP TRIGGER refuse_claim');
        hooks.release();
        await instance.alarm();
        await state.storage.deleteAlarm();
        for (const id of ['held', 'half', 'refused']) {
          const job = view(store, id);
          expect(job, id).toMatchObject({ status: 'succeeded', attempts: 1, result: { id } });
          expect(job.transitions.map((t) => t.status)).toEqual(['queued', 'running', 'succeeded']);
        }
        expect(store.runningCount()).toBe(0);
      });
    } finally {
      errors.mockRestore();
    }
  });

  it('puts back in the queue a claimed job whose attempt failed to start, leaving the one in flight', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const stub = freshQueue('stray-start');
      await runInDurableObject(stub, async (instance: JobQueue, state) => {
        const sql = state.storage.sql as unknown as Sql;
        const store = new JobStore(sql, Date.now);
        const hooks = executor((id) => {
          if (id === 'unstarted') throw new Error('could not start');
        });
        instance.setHooks({ execute: hooks.execute, config: { concurrency: 2 } });
        store.enqueue(newJob('held'));
        const first = instance.alarm();
        await until(() => instance.inFlight().includes('held'));

        store.enqueue(newJob('unstarted'));
        await instance.alarm(); // wakes the running drain, whose start of `unstarted` throws
        await first;

        expect(instance.inFlight()).toEqual(['held']);
        expect(view(store, 'held')).toMatchObject({ status: 'running', attempts: 1 });
        const requeued = view(store, 'unstarted');
        expect(requeued).toMatchObject({ status: 'queued', attempts: 1 });
        expect(requeued.transitions.at(-1)).toMatchObject({ status: 'queued', note: 'interrupted' });

        hooks.release();
        await instance.alarm();
        await state.storage.deleteAlarm();
        expect(view(store, 'held')).toMatchObject({ status: 'succeeded', attempts: 1 });
        const done = view(store, 'unstarted');
        expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
        expect(done.attempt_log.map((a) => a.outcome)).toEqual(['interrupted', 'succeeded']);
      });
    } finally {
      errors.mockRestore();
    }
  });

  it('runs again a job whose outcome and its fallback could not be stored, while the other attempt runs on', async () => {
    const stub = freshQueue('stray-outcome');
    await runInDurableObject(stub, async (instance: JobQueue, state) => {
      const sql = state.storage.sql as unknown as Sql;
      const store = new JobStore(sql, Date.now);
      const hooks = executor();
      instance.setHooks({ execute: hooks.execute, config: { concurrency: 2 } });
      store.enqueue(newJob('held'));
      store.enqueue(newJob('lost'));
      // Storage refuses to finish the first attempt of `lost` in any way (the success, then the failure).
      sql.exec(`CREATE TRIGGER refuse_finish BEFORE UPDATE OF status ON jobs
        WHEN OLD.id = 'lost' AND OLD.attempts = 1 AND NEW.status IN ('succeeded', 'failed')
        BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
      const drained = instance.alarm();
      await until(() => store.get('lost')?.status === 'succeeded');

      expect(instance.inFlight()).toEqual(['held']);
      expect(view(store, 'held')).toMatchObject({ status: 'running', attempts: 1 });
      const lost = view(store, 'lost');
      expect(lost).toMatchObject({ status: 'succeeded', attempts: 2, result: { id: 'lost' } });
      expect(lost.attempt_log.map((a) => a.outcome)).toEqual(['interrupted', 'succeeded']);

      hooks.release();
      await drained;
      await state.storage.deleteAlarm();
      expect(view(store, 'held')).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(store.runningCount()).toBe(0);
    });
  });
});

describe('JobStore recovery of running jobs', () => {
  it('spares the attempts named in flight, however many, and requeues the rest', () =>
    withSql((sql) => {
      const { store } = storeWith(sql);
      for (const id of ['kept', 'stray']) store.enqueue(newJob(id));
      expect(store.claim(2)).toHaveLength(2);
      // more ids than SQLite binds as separate parameters
      const inFlight = ['kept', ...Array.from({ length: 40_000 }, (_, i) => `other-${i}`)];
      expect(store.recoverInterrupted(inFlight)).toBe(1);
      expect(jobView(store.get('kept')!)).toMatchObject({ status: 'running', attempts: 1 });
      expect(jobView(store.get('stray')!)).toMatchObject({ status: 'queued', attempts: 1 });
      // the spared attempt still records its outcome; the requeued one's late outcome is refused
      expect(store.succeed('kept', 1, {}, null)).toBe(true);
      expect(store.succeed('stray', 1, {}, null)).toBe(false);
      expect(store.claim(1)[0]).toMatchObject({ id: 'stray', attempts: 2 });
    }));
});
