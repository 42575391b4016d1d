import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import type { JobQueue } from '../../../durable-objects/job-queue/job-queue.ts';
import type { Job } from '../../../schemas/jobs.ts';
import { freshQueue } from './helpers.ts';

/**
 * A job stored by a submit is answered as queued even when setting the alarm that runs it fails: an
 * error would have a client without an Idempotency-Key submit it again, and the job would run twice.
 */
describe('a submit whose alarm cannot be set after the job is stored', () => {
  it('answers the job as queued, and the job still runs', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const stub = freshQueue('kick-failure');
      const submitted = await runInDurableObject(stub, async (instance: JobQueue, state) => {
        instance.setHooks({
          execute: async () => ({ kind: 'succeeded', result: { ok: 'kick-failure' }, usage: null }),
        });
        const setAlarm = state.storage.setAlarm.bind(state.storage);
        let refused = 0;
        state.storage.setAlarm = (async (...args: Parameters<typeof setAlarm>) => {
          if (refused++ === 0) throw new Error('storage refused the alarm');
          return setAlarm(...args);
        }) as typeof state.storage.setAlarm;
        const result = await instance.submit({
          tenant: 'kick-failure-tenant',
          keyId: 'kick-failure-key',
          type: 'chat',
          priority: 'normal',
          model: 'kick-failure-model',
          request: { model: 'kick-failure-model', messages: [{ role: 'user', content: 'once' }] },
          baseUrl: 'https://gw.test',
          timeoutMs: 60_000,
          maxAttempts: 1,
        });
        return { result, refused };
      });
      expect(submitted.refused).toBe(1);
      expect(submitted.result).toMatchObject({ ok: true, replayed: false, job: { status: 'queued' } });
      const id = (submitted.result as { job: Job }).job.id;
      const read = async () => (await stub.get(id, null)) as unknown as Job;
      let job = await read();
      for (let i = 0; i < 400 && job.status !== 'succeeded'; i++) {
        await new Promise((r) => setTimeout(r, 10));
        job = await read();
      }
      expect(job).toMatchObject({ status: 'succeeded', result: { ok: 'kick-failure' }, attempts: 1 });
      const logged = errors.mock.calls.map((args) => args.map(String).join(' '));
      expect(logged.some((line) => line.includes('job_kick_failed'))).toBe(true);
    } finally {
      errors.mockRestore();
    }
  });
});
