import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { freesCapacity } from '../../../durable-objects/job-queue/capacity-wake.ts';
import { JobEngine } from '../../../durable-objects/job-queue/job-engine.ts';
import { JobStore } from '../../../durable-objects/job-queue/job-store.ts';
import { jobView } from '../../../durable-objects/job-queue/job-view.ts';
import { selfExecutor } from '../../../durable-objects/job-queue/self-executor.ts';
import type { Env } from '../../../workers/env.ts';
import { engineConfig, newJob, withSql } from './helpers.ts';

/** The gateway's env without ECO_INTERNAL_SECRET: no credential can be minted for a job's run. */
const unconfigured = { ...(env as unknown as Env), ECO_INTERNAL_SECRET: undefined } as unknown as Env;

describe('a job run while ECO_INTERNAL_SECRET is unset', () => {
  it('is refused with the real error, for good, having sent nothing', async () => {
    let calls = 0;
    const fetcher = {
      fetch: async () => {
        calls++;
        return new Response('{}');
      },
    } as unknown as Fetcher;
    const row = { id: 'job_unconf', key_id: 'key_unconf', type: 'chat', priority: 'normal', attempts: 1 };
    const outcome = await selfExecutor(unconfigured, () => fetcher)(
      { ...row, request: '{}' } as never,
      new AbortController().signal,
    );
    expect(outcome).toMatchObject({
      kind: 'failed',
      retryable: false,
      unsent: true,
      error: { status: 500, code: 'internal_auth_unconfigured', type: 'server_error' },
    });
    expect(calls).toBe(0);
    // It held no slot: no capacity or key-slot waiter is woken for it.
    expect(freesCapacity(outcome)).toBe(false);
  });

  it('fails the job on its first attempt with 500 internal_auth_unconfigured, not as a network error', () =>
    withSql(async (sql) => {
      const store = new JobStore(sql, Date.now);
      store.enqueue(newJob('unconf-job', { maxAttempts: 3 }));
      const engine = new JobEngine({
        store,
        execute: selfExecutor(unconfigured),
        sendCallback: async () => ({ ok: true }),
        config: engineConfig(),
        now: Date.now,
        random: () => 0.5,
      });
      await engine.drain();
      expect(jobView(store.get('unconf-job')!)).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: { status: 500, code: 'internal_auth_unconfigured' },
      });
    }));
});
