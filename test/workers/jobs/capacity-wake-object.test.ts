import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { ExecOutcome } from '../../../durable-objects/job-queue/job-engine.ts';
import type { JobQueue } from '../../../durable-objects/job-queue/job-queue.ts';
import { jobError } from '../../../durable-objects/job-queue/job-store.ts';
import type { Job } from '../../../schemas/jobs.ts';
import type { JobQueueStub } from '../../../workers/jobs/shards.ts';
import { seedModel } from '../helpers/seed.ts';
import { freshQueue } from './helpers.ts';

/** RPC types turn a job's `unknown` result into `never`; the class's own signatures are the truth. */
const api = (stub: DurableObjectStub) => stub as unknown as JobQueueStub;

const HOUR = 3_600_000;
const input = (content: string, model = 'm') => ({
  tenant: 'capacity-wake-object',
  keyId: 'key_capacity_wake',
  type: 'chat' as const,
  priority: 'normal' as const,
  model,
  request: { model, messages: [{ role: 'user', content }] },
  baseUrl: 'http://gw',
  timeoutMs: 2 * HOUR, // the deadline comes after the Retry-After
  maxAttempts: 3,
});

async function until(stub: DurableObjectStub, id: string, done: (job: Job) => boolean): Promise<Job> {
  let job = (await api(stub).get(id, null))!;
  for (let i = 0; i < 400 && !done(job); i++) {
    await new Promise((r) => setTimeout(r, 10));
    job = (await api(stub).get(id, null))!;
  }
  return job;
}

/** The runner's run stays open while this is set (polled: the test cannot settle the object's promises). */
let holding = true;
const calls: string[] = [];

/**
 * An object whose `runner` job runs until `holding` is cleared, and whose `waiter` job is refused by
 * the pool (Retry-After one hour) on its first run and finds room on any later one.
 */
async function objectWithRunnerAndWaiter() {
  holding = true;
  calls.length = 0;
  const stub = freshQueue('capacity-wake');
  await runInDurableObject(stub, (instance: JobQueue) =>
    instance.setHooks({
      execute: async (job): Promise<ExecOutcome> => {
        const content = (JSON.parse(job.request) as { messages: { content: string }[] }).messages[0]!.content;
        calls.push(content);
        if (content === 'runner') {
          for (let i = 0; i < 2000 && holding; i++) await new Promise((r) => setTimeout(r, 5));
          return { kind: 'succeeded', result: { ok: true }, usage: null };
        }
        if (calls.filter((c) => c === 'waiter').length === 1)
          return {
            kind: 'failed',
            retryable: true,
            error: jobError(429, 'pool_saturated', 'full'),
            retryAfterMs: HOUR,
            refusedByPool: true,
          };
        return { kind: 'succeeded', result: { ok: true }, usage: null };
      },
      sendCallback: async () => ({ ok: true }),
    }),
  );
  return stub;
}

/** Runner (model `runnerModel`) running, waiter (`waiterModel`) refused; then the runner ends. */
async function runnerEnds(runnerModel: string, waiterModel: string) {
  const stub = await objectWithRunnerAndWaiter();
  const runner = ((await api(stub).submit(input('runner', runnerModel))) as { job: Job }).job;
  await until(stub, runner.id, (j) => j.status === 'running');
  const waiter = ((await api(stub).submit(input('waiter', waiterModel))) as { job: Job }).job;
  const waiting = await until(stub, waiter.id, (j) => j.next_attempt_at !== null);
  expect(waiting).toMatchObject({ status: 'queued', attempts: 0 });
  expect(waiting.next_attempt_at).toBeGreaterThanOrEqual(waiting.created_at + HOUR);
  holding = false;
  expect((await until(stub, runner.id, (j) => j.finished_at !== null)).status).toBe('succeeded');
  return { stub, waiter: waiter.id, retryAt: waiting.next_attempt_at! };
}

describe('a JobQueue object with a job waiting for pool capacity', () => {
  it('runs it as soon as a job of its model ends there, not an hour later at its Retry-After', async () => {
    const { stub, waiter, retryAt } = await runnerEnds('m', 'm');
    const done = await until(stub, waiter, (j) => j.finished_at !== null);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(done.finished_at).toBeLessThan(retryAt);
    expect(calls).toEqual(['runner', 'waiter', 'waiter']);
  });

  it('runs it as soon as a job of another model routed through the same pool ends there', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const pool = `capacity-wake-pool-${tag}`;
    await seedModel(`cw-a-${tag}`, [{ pool, engineModel: 'x' }]);
    await seedModel(`cw-b-${tag}`, [
      { pool: `elsewhere-${tag}`, engineModel: 'x' },
      { pool, engineModel: 'y' },
    ]);
    const { stub, waiter, retryAt } = await runnerEnds(`cw-a-${tag}`, `cw-b-${tag}`);
    const done = await until(stub, waiter, (j) => j.finished_at !== null);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(done.finished_at).toBeLessThan(retryAt);
  });

  it('leaves it to its Retry-After when the job that ended shares no pool with it', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    await seedModel(`cw-c-${tag}`, [{ pool: `c-pool-${tag}`, engineModel: 'x' }]);
    await seedModel(`cw-d-${tag}`, [{ pool: `d-pool-${tag}`, engineModel: 'x' }]);
    const { stub, waiter, retryAt } = await runnerEnds(`cw-c-${tag}`, `cw-d-${tag}`);
    // the drain that ran the runner is over: its alarm is what wakes the object next
    const state = await runInDurableObject(stub, async (instance: JobQueue, s) => ({
      inFlight: instance.inFlight(),
      alarm: await s.storage.getAlarm(),
    }));
    expect(state.inFlight).toEqual([]);
    expect(state.alarm).toBe(retryAt);
    expect(await api(stub).get(waiter, null)).toMatchObject({ status: 'queued', next_attempt_at: retryAt });
    expect(calls).toEqual(['runner', 'waiter']);
  });
});
