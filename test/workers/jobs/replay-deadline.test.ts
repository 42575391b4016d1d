import { describe, expect, it } from 'vitest';
import { jobError } from '../../../durable-objects/job-queue/job-store.ts';
import { newJob, storeWith, withSql } from './helpers.ts';

const err = jobError(400, 'bad', 'refused');

describe('JobStore replay deadline', () => {
  // "A fresh deadline of the same length": the length is the job's timeout, not the time since it
  // was created (which grows with every replay).
  it('gives every replay the job timeout, however often and however late it is replayed', () =>
    withSql((sql) => {
      const { store, clock } = storeWith(sql);
      store.enqueue(newJob('r', { timeoutMs: 60_000, maxAttempts: 1 }));
      for (let round = 0; round < 3; round++) {
        store.claim(1);
        store.finishWithError('r', 1, 'failed', err, 'error');
        clock.advance(5_000 + round * 10_000);
        expect(store.replay('r')).toBe(true);
        expect(store.get('r')!.deadline_at - clock.now()).toBe(60_000);
      }
    }));

  it("starts the replayed run's clock: started_at is the new run's start, not the first run's", () =>
    withSql((sql) => {
      const { store, clock } = storeWith(sql);
      store.enqueue(newJob('s', { timeoutMs: 60_000, maxAttempts: 1 }));
      store.claim(1);
      const first = store.get('s')!.started_at;
      store.finishWithError('s', 1, 'failed', err, 'error');
      clock.advance(7_000);
      expect(store.replay('s')).toBe(true);
      expect(store.get('s')!.started_at).toBeNull();
      store.claim(1);
      expect(store.get('s')!.started_at).toBe(clock.now());
      expect(store.get('s')!.started_at).not.toBe(first);
    }));
});
