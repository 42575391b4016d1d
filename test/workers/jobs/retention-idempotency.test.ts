import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TTL_MS, JobStore } from '../../../durable-objects/job-queue/job-store.ts';
import { manualClock, newJob, withSql } from './helpers.ts';

const HOUR = 3_600_000;
const key = { scope: 't1\nk1\nnightly-report', bodyHash: 'h1' };

describe('a retention shorter than the idempotency window', () => {
  it('keeps a finished job while its Idempotency-Key lives, so a resubmit answers it instead of running it again', () =>
    withSql((sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      const first = store.enqueue(newJob('first'), key);
      expect(first.kind).toBe('created');
      store.claim(1);
      store.succeed('first', 1, { answer: 42 }, null);
      clock.advance(2 * HOUR);
      store.purge(HOUR);
      const again = store.enqueue(newJob('second'), key);
      expect(again).toMatchObject({ kind: 'replayed', row: { id: 'first', status: 'succeeded' } });
      expect(store.get('second')).toBeUndefined();
    }));

  it('still deletes it once the key has expired, and deletes jobs without a key on time', () =>
    withSql((sql) => {
      const clock = manualClock(1_700_000_000_000);
      const store = new JobStore(sql, clock.now);
      store.enqueue(newJob('keyed'), key);
      store.enqueue(newJob('plain'));
      for (const row of store.claim(2)) store.succeed(row.id, 1, { ok: true }, null);
      clock.advance(2 * HOUR);
      store.purge(HOUR);
      expect(store.get('plain')).toBeUndefined();
      expect(store.get('keyed')).toBeDefined();
      // the object wakes when the key expires, and the job goes then
      const wake = store.nextWake(HOUR, { readyCounts: true, after: clock.now() });
      expect(wake).toBe(1_700_000_000_000 + IDEMPOTENCY_TTL_MS);
      clock.set(wake!);
      store.purge(HOUR);
      expect(store.get('keyed')).toBeUndefined();
    }));
});
