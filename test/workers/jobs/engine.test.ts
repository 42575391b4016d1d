import { describe, expect, it } from 'vitest';
import { JobEngine } from '../../../durable-objects/job-queue/job-engine.ts';
import { JobStore } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import { engineConfig, newJob, withSql } from './helpers.ts';

const config = engineConfig({ concurrency: 2 });

describe('JobEngine when an outcome cannot be stored', () => {
  it('fails the job (it never stays running with nothing in flight) and the drain ends', () =>
    withSql(async (sql) => {
      const store = new JobStore(sql, Date.now);
      // SQLite refuses rows over its size limit (2 MB on Cloudflare): the success write throws
      store.succeed = () => {
        throw new Error('string or blob too big: SQLITE_TOOBIG');
      };
      store.enqueue(newJob('big'));
      const engine = new JobEngine({
        store,
        execute: async () => ({ kind: 'succeeded', result: { object: 'chat.completion' }, usage: null }),
        sendCallback: async () => ({ ok: true }),
        config,
        now: Date.now,
        random: () => 0.5,
      });
      await engine.drain();
      expect(engine.inFlight()).toEqual([]);
      const view = jobView(store.get('big')!);
      expect(view.status).toBe('failed');
      expect(view.error).toMatchObject({ code: 'job_result_unstorable', type: 'server_error' });
      expect(view.error?.message).toContain('SQLITE_TOOBIG');
      expect(view.attempt_log.map((a) => a.outcome)).toEqual(['error']);
      expect(store.runningCount()).toBe(0);
    }));
});
