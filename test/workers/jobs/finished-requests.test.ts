import { describe, expect, it } from 'vitest';
import { JobStore } from '../../../durable-objects/job-queue/job-store.ts';
import { newJob, withSql } from './helpers.ts';

// A request may be up to 1 MiB and a finished job is kept for days: only a failed job can run again (a
// replay from the dead letter), so only a failed job keeps its request.
describe('the stored request of a finished job', () => {
  it('is deleted when the job succeeds, is cancelled or expires, and kept while it can be replayed', () =>
    withSql((sql) => {
      const store = new JobStore(sql, Date.now);
      for (const id of ['ok', 'bad', 'late', 'stopped', 'waiting']) store.enqueue(newJob(id));
      const running = store.claim(4).map((r) => r.id);
      expect(running.sort()).toEqual(['bad', 'late', 'ok', 'stopped']);
      const error = { code: 'x', message: 'x', type: 'server_error', status: null };
      expect(store.succeed('ok', 1, { fine: true }, null)).toBe(true);
      expect(store.finishWithError('bad', 1, 'failed', error, 'failed')).toBe(true);
      expect(store.finishWithError('late', 1, 'expired', error, 'expired')).toBe(true);
      expect(store.cancel('stopped')).toBe('running');
      expect(store.cancel('waiting')).toBe('queued');
      const kept = sql
        .exec<{ id: string }>('SELECT id FROM job_requests ORDER BY id')
        .toArray()
        .map((r) => r.id);
      expect(kept).toEqual(['bad']);
      // The failed one runs again with its request whole.
      expect(store.replay('bad')).toBe(true);
      const [again] = store.claim(1);
      expect(again?.id).toBe('bad');
      expect(JSON.parse(again!.request)).toEqual(newJob('bad').request);
    }));
});
