import { describe, expect, it } from 'vitest';
import { jobError } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import { newJob, storeWith, withSql } from './helpers.ts';

const err = jobError(503, 'unavailable', 'down');

describe('JobStore ordering', () => {
  it('claims critical > high > normal > low, FIFO within a class', () =>
    withSql((sql) => {
      const { store, clock } = storeWith(sql);
      const plan = ['low', 'normal', 'critical', 'high', 'normal', 'low', 'critical', 'high'] as const;
      plan.forEach((priority, i) => {
        clock.advance(1);
        store.enqueue(newJob(`j${i}`, { priority }));
      });
      const order: string[] = [];
      for (;;) {
        const [row] = store.claim(1);
        if (!row) break;
        order.push(row.id);
      }
      expect(order).toEqual(['j2', 'j6', 'j3', 'j7', 'j1', 'j4', 'j0', 'j5']);
    }));

  it('claims at most the count asked and never the same job twice', () =>
    withSql((sql) => {
      const { store } = storeWith(sql);
      for (let i = 0; i < 5; i++) store.enqueue(newJob(`c${i}`));
      expect(store.claim(2).map((r) => r.id)).toEqual(['c0', 'c1']);
      expect(store.claim(10).map((r) => r.id)).toEqual(['c2', 'c3', 'c4']);
      expect(store.claim(10)).toEqual([]);
      expect(store.claim(0)).toEqual([]);
    }));
});

describe('JobStore idempotency', () => {
  it('same scope and body → same job; different body → conflict; after 24 h → a new job', () =>
    withSql((sql) => {
      const { store, clock } = storeWith(sql);
      const first = store.enqueue(newJob('a'), { scope: 's', bodyHash: 'h1' });
      expect(first.kind).toBe('created');
      const again = store.enqueue(newJob('b'), { scope: 's', bodyHash: 'h1' });
      expect(again).toMatchObject({ kind: 'replayed', row: { id: 'a' } });
      expect(store.enqueue(newJob('c'), { scope: 's', bodyHash: 'h2' })).toEqual({
        kind: 'conflict',
        jobId: 'a',
      });
      expect(store.get('b')).toBeUndefined();
      expect(store.enqueue(newJob('d'), { scope: 'other', bodyHash: 'h1' }).kind).toBe('created');
      clock.advance(24 * 3_600_000 + 1);
      expect(store.enqueue(newJob('e'), { scope: 's', bodyHash: 'h2' })).toMatchObject({
        kind: 'created',
        row: { id: 'e' },
      });
    }));
});

describe('JobStore guarded transitions', () => {
  it('a finished job is never claimed or finished again, and stale attempts change nothing', () =>
    withSql((sql) => {
      const { store } = storeWith(sql);
      store.enqueue(newJob('g'));
      const [row] = store.claim(1);
      expect(row).toMatchObject({ status: 'running', attempts: 1 });
      expect(store.succeed('g', 2, { ok: 1 }, null)).toBe(false); // wrong attempt
      expect(store.succeed('g', 1, { ok: 1 }, { total_tokens: 3 })).toBe(true);
      expect(store.succeed('g', 1, { ok: 2 }, null)).toBe(false);
      expect(store.retryLater('g', 1, err, 10)).toBe(false);
      expect(store.finishWithError('g', 1, 'failed', err, 'error')).toBe(false);
      expect(store.cancel('g')).toBeUndefined();
      expect(store.recoverInterrupted()).toBe(0);
      expect(store.claim(5)).toEqual([]);
      const view = jobView(store.get('g')!);
      expect(view).toMatchObject({
        status: 'succeeded',
        result: { ok: 1 },
        usage: { total_tokens: 3 },
        attempts: 1,
      });
      expect(view.transitions.map((t) => t.status)).toEqual(['queued', 'running', 'succeeded']);
      expect(view.attempt_log).toEqual([
        expect.objectContaining({ attempt: 1, outcome: 'succeeded', ended_at: expect.any(Number) }),
      ]);
    }));

  it('retries wait out their backoff as queued, then run again with the next attempt number', () =>
    withSql((sql) => {
      const { store, clock } = storeWith(sql);
      store.enqueue(newJob('r'));
      store.claim(1);
      expect(store.retryLater('r', 1, err, 500)).toBe(true);
      const waiting = jobView(store.get('r')!);
      expect(waiting).toMatchObject({ status: 'queued', next_attempt_at: clock.now() + 500, error: err });
      expect(store.claim(1)).toEqual([]);
      expect(store.nextWake(3_600_000, { readyCounts: true })).toBe(clock.now() + 500);
      clock.advance(499);
      expect(store.promoteDue()).toBe(0);
      clock.advance(1);
      expect(store.promoteDue()).toBe(1);
      const [again] = store.claim(1);
      expect(again).toMatchObject({ id: 'r', attempts: 2 });
      expect(store.succeed('r', 1, {}, null)).toBe(false);
      expect(store.succeed('r', 2, {}, null)).toBe(true);
      expect(jobView(store.get('r')!).error).toBeNull();
    }));

  it('a restart puts running jobs back in the queue, keeping the attempt history', () =>
    withSql((sql) => {
      const { store } = storeWith(sql);
      store.enqueue(newJob('i'));
      store.claim(1);
      expect(store.recoverInterrupted()).toBe(1);
      const view = jobView(store.get('i')!);
      expect(view.status).toBe('queued');
      expect(view.attempt_log[0]).toMatchObject({ outcome: 'interrupted' });
      expect(view.transitions.at(-1)).toMatchObject({ status: 'queued', note: 'interrupted' });
      // the interrupted attempt's late result is refused
      expect(store.succeed('i', 1, {}, null)).toBe(false);
      expect(store.claim(1)[0]).toMatchObject({ attempts: 2 });
    }));

  it('a job interrupted on its last attempt fails instead of running past max_attempts', () =>
    withSql((sql) => {
      const { store } = storeWith(sql);
      store.enqueue(newJob('p', { maxAttempts: 2, callbackUrl: 'https://hooks.example.com/p' }));
      // an attempt that takes the object down with it, every time
      for (let i = 0; i < 2; i++) {
        expect(store.claim(1)).toHaveLength(1);
        store.recoverInterrupted();
      }
      const view = jobView(store.get('p')!);
      expect(view).toMatchObject({ status: 'failed', attempts: 2, max_attempts: 2 });
      expect(view.error).toMatchObject({ code: 'job_interrupted', type: 'server_error' });
      expect(view.finished_at).not.toBeNull();
      expect(view.attempt_log.map((a) => a.outcome)).toEqual(['interrupted', 'interrupted']);
      expect(view.transitions.at(-1)).toMatchObject({ status: 'failed', attempt: 2, note: 'interrupted' });
      expect(view.callback?.status).toBe('pending');
      expect(store.claim(1)).toEqual([]);
      // it is in the dead letter, so an admin can queue it again
      expect(store.replay('p')).toBe(true);
    }));

  it('cancels queued, waiting and running jobs, and answers the status they had', () =>
    withSql((sql) => {
      const { store } = storeWith(sql);
      for (const id of ['q', 'w', 'run']) store.enqueue(newJob(id));
      store.claim(1); // q runs
      store.retryLater('q', 1, err, 1000); // q waits
      store.claim(1); // w runs
      expect(store.cancel('q')).toBe('waiting');
      expect(store.cancel('w')).toBe('running');
      expect(store.cancel('run')).toBe('queued');
      expect(store.cancel('run')).toBeUndefined();
      expect(store.cancel('missing')).toBeUndefined();
      expect(store.succeed('w', 1, {}, null)).toBe(false);
      for (const id of ['q', 'w', 'run']) expect(jobView(store.get(id)!).status).toBe('cancelled');
    }));

  it('expires unfinished jobs at their deadline and schedules the callback', () =>
    withSql((sql) => {
      const { store, clock } = storeWith(sql);
      store.enqueue(newJob('e1', { timeoutMs: 100, callbackUrl: 'https://hooks.test/x' }));
      store.enqueue(newJob('e2', { timeoutMs: 1000 }));
      expect(store.nextWake(3_600_000, { readyCounts: false })).toBe(clock.now() + 100);
      clock.advance(100);
      expect(store.expireDue()).toEqual(['e1']);
      const view = jobView(store.get('e1')!);
      expect(view).toMatchObject({ status: 'expired', error: { code: 'job_expired' } });
      expect(view.callback).toMatchObject({ status: 'pending', attempts: 0 });
      expect(store.dueCallbacks(10).map((r) => r.id)).toEqual(['e1']);
      expect(jobView(store.get('e2')!).status).toBe('queued');
    }));

  it('replays only failed jobs, with fresh attempts', () =>
    withSql((sql) => {
      const { store } = storeWith(sql);
      store.enqueue(newJob('f', { maxAttempts: 1 }));
      store.claim(1);
      expect(store.replay('f')).toBe(false);
      store.finishWithError('f', 1, 'failed', err, 'retryable_error');
      expect(store.replay('f')).toBe(true);
      expect(jobView(store.get('f')!)).toMatchObject({ status: 'queued', attempts: 0, error: null });
      expect(store.claim(1)[0]).toMatchObject({ id: 'f', attempts: 1 });
    }));

  it('callback bookkeeping refuses stale attempt numbers and keeps the result on failure', () =>
    withSql((sql) => {
      const { store, clock } = storeWith(sql);
      store.enqueue(newJob('cb', { callbackUrl: 'https://hooks.test/cb' }));
      store.claim(1);
      store.succeed('cb', 1, { answer: 42 }, null);
      const finishedAt = clock.now();
      const at = (attempt: number) => ({ id: 'cb', attempt, finishedAt });
      expect(store.callbackFailed(at(1), 'HTTP 500', clock.now() + 100)).toBe(true);
      expect(store.callbackFailed(at(1), 'HTTP 500', clock.now() + 100)).toBe(false);
      expect(store.dueCallbacks(5)).toEqual([]);
      clock.advance(100);
      expect(store.dueCallbacks(5)).toHaveLength(1);
      expect(store.callbackFailed(at(2), 'HTTP 500', null)).toBe(true);
      const view = jobView(store.get('cb')!);
      expect(view.callback).toMatchObject({ status: 'failed', attempts: 2, last_error: 'HTTP 500' });
      expect(view).toMatchObject({ status: 'succeeded', result: { answer: 42 } });
      expect(store.callbackDelivered(at(3))).toBe(false);
    }));
});

describe('JobStore retention and listing', () => {
  it('purges finished jobs after the retention period, never unfinished ones or pending callbacks', () =>
    withSql((sql) => {
      const { store, clock } = storeWith(sql);
      store.enqueue(newJob('done'));
      store.enqueue(newJob('hook', { callbackUrl: 'https://hooks.test/x' }));
      store.enqueue(newJob('open', { timeoutMs: 10_000_000 }));
      store.claim(2);
      store.succeed('done', 1, {}, null);
      store.succeed('hook', 1, {}, null);
      const finishedAt = clock.now();
      clock.advance(999);
      expect(store.purge(1000)).toBe(0);
      clock.advance(1);
      expect(store.purge(1000)).toBe(1);
      expect(store.get('done')).toBeUndefined();
      expect(store.get('hook')).toBeDefined();
      store.callbackDelivered({ id: 'hook', attempt: 1, finishedAt });
      expect(store.purge(1000)).toBe(1);
      expect(store.get('open')).toBeDefined();
    }));

  it('lists newest first with a (created_at, id) cursor and a status filter', () =>
    withSql((sql) => {
      const { store, clock } = storeWith(sql);
      for (let i = 0; i < 5; i++) {
        clock.advance(10);
        store.enqueue(newJob(`l${i}`));
      }
      store.claim(1); // l0 runs
      const all = { tenant: 't1', statuses: null, maxBytes: Number.POSITIVE_INFINITY };
      const page1 = store.list({ ...all, limit: 2, before: null });
      expect(page1.rows.map((r) => r.id)).toEqual(['l4', 'l3']);
      expect(page1.stop).toMatchObject({ id: 'l2' });
      const last = page1.rows.at(-1)!;
      const page2 = store.list({ ...all, limit: 10, before: { createdAt: last.created_at, id: last.id } });
      expect(page2.rows.map((r) => r.id)).toEqual(['l2', 'l1', 'l0']);
      expect(page2.stop).toBeNull();
      expect(
        store.list({ ...all, statuses: ['running'], limit: 10, before: null }).rows.map((r) => r.id),
      ).toEqual(['l0']);
      expect(store.list({ ...all, tenant: 'other', limit: 10, before: null })).toEqual({
        rows: [],
        bytes: 0,
        stop: null,
      });
    }));
});
