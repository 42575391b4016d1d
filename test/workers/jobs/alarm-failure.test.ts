import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import type { JobQueue } from '../../../durable-objects/job-queue/job-queue.ts';
import { JobStore } from '../../../durable-objects/job-queue/job-store.ts';
import type { Sql } from '../../../durable-objects/job-queue/sql.ts';
import { freshQueue, newJob } from './helpers.ts';

// The platform retries an alarm that throws a few times, then drops it: a shard whose drain kept failing
// would hold its queued jobs until something else woke it. A failed drain is logged and tried again.
describe("a job shard's alarm whose drain fails", () => {
  it('does not throw: it logs the failure and sets the next alarm half a minute on', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const stub = freshQueue('alarm-failure');
      const { next, at } = await runInDurableObject(stub, async (instance: JobQueue, state) => {
        // Storage failing under the drain, as a full or broken database would.
        state.storage.sql.exec('DROP TABLE jobs');
        const at = Date.now();
        await instance.alarm();
        const next = await state.storage.getAlarm();
        await state.storage.deleteAlarm(); // the broken shard stops here
        return { next, at };
      });
      expect(next).not.toBeNull();
      expect(next! - at).toBeGreaterThanOrEqual(30_000);
      expect(next! - at).toBeLessThan(31_000);
      const logged = errors.mock.calls.map((args) => args.map(String).join(' '));
      expect(logged.some((line) => line.includes('job_drain_failed') && line.includes('no such table'))).toBe(
        true,
      );
    } finally {
      errors.mockRestore();
    }
  });

  it('puts back in the queue a job the failed drain marked running but never started', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const stub = freshQueue('alarm-claim-failure');
      const status = await runInDurableObject(stub, async (instance: JobQueue, state) => {
        const sql = state.storage.sql as unknown as Sql;
        const store = new JobStore(sql, Date.now);
        store.enqueue(newJob('stuck'));
        store.enqueue(newJob('refused'));
        // One claim takes both: it marks the first running, then storage refuses the second.
        sql.exec(`CREATE TRIGGER refuse_second BEFORE UPDATE OF status ON jobs
          WHEN NEW.id = 'refused' AND NEW.status = 'running' BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
        await instance.alarm();
        await state.storage.deleteAlarm();
        sql.exec('DROP TRIGGER refuse_second');
        return sql.exec<{ status: string }>("SELECT status FROM jobs WHERE id = 'stuck'").one().status;
      });
      expect(status).toBe('queued');
    } finally {
      errors.mockRestore();
    }
  });
});
