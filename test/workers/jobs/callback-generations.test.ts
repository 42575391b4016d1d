import { describe, expect, it } from 'vitest';
import { type ExecOutcome, JobEngine } from '../../../durable-objects/job-queue/job-engine.ts';
import { JobStore, jobError } from '../../../durable-objects/job-queue/job-store.ts';
import type { Job } from '../../../schemas/jobs.ts';
import { engineConfig, newJob, withSql } from './helpers.ts';

const until = async (done: () => boolean) => {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(done()).toBe(true);
};

describe('a callback still in flight when its job is replayed', () => {
  it('does not stand in for the callback of the replayed run: that run is delivered too', () =>
    withSql(async (sql) => {
      const store = new JobStore(sql, Date.now);
      store.enqueue(newJob('replayed', { callbackUrl: 'https://hooks.example.com/cb' }));
      const outcomes: ExecOutcome[] = [
        { kind: 'failed', retryable: false, error: jobError(400, 'bad', 'refused') },
        { kind: 'succeeded', result: { object: 'chat.completion' }, usage: null },
      ];
      const delivered: Job['status'][] = [];
      let release = () => {};
      const slowFirst = new Promise<void>((resolve) => {
        release = resolve;
      });
      const engine = new JobEngine({
        store,
        execute: async () => outcomes.shift()!,
        sendCallback: async (job) => {
          delivered.push(job.status);
          // the receiver is slow to answer the first delivery
          if (delivered.length === 1) await slowFirst;
          return { ok: true };
        },
        config: engineConfig({ callbackMaxAttempts: 3 }),
        now: Date.now,
        random: () => 0.5,
      });
      const drained = engine.drain();
      await until(() => delivered.length === 1);
      expect(delivered).toEqual(['failed']);

      // an admin replays the failed job while its callback is still on the wire; it succeeds this time
      expect(store.replay('replayed')).toBe(true);
      engine.kick();
      await until(() => store.get('replayed')?.status === 'succeeded');
      release();
      await drained;

      // the owner hears about the final outcome, not only about the failure that was replayed
      expect(delivered).toEqual(['failed', 'succeeded']);
      const row = store.get('replayed')!;
      expect({ status: row.callback_status, attempts: row.callback_attempts }).toEqual({
        status: 'delivered',
        attempts: 1,
      });
    }));
});
