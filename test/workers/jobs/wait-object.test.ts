import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { JobQueue } from '../../../durable-objects/job-queue/job-queue.ts';
import { selfExecutor } from '../../../durable-objects/job-queue/self-executor.ts';
import type { Job } from '../../../schemas/jobs.ts';
import type { Env } from '../../../workers/env.ts';
import type { JobQueueStub } from '../../../workers/jobs/shards.ts';
import { freshQueue } from './helpers.ts';
import { completion, gatewayAnswering, WAITS } from './wait-fixtures.ts';

/** RPC types turn a job's `unknown` result into `never`; the class's own signatures are the truth. */
const api = (stub: DurableObjectStub) => stub as unknown as JobQueueStub;

const input = (
  content: string,
  extra: { timeoutMs?: number; callbackUrl?: string; model?: string } = {},
) => ({
  tenant: 'wait-object',
  keyId: 'key_wait_object',
  type: 'chat' as const,
  priority: 'normal' as const,
  model: extra.model ?? 'm',
  request: { model: extra.model ?? 'm', messages: [{ role: 'user', content }] },
  baseUrl: 'http://gw',
  timeoutMs: extra.timeoutMs ?? 60_000,
  maxAttempts: 3,
  callbackUrl: extra.callbackUrl,
});

async function until(stub: DurableObjectStub, id: string, done: (job: Job) => boolean): Promise<Job> {
  let job = (await api(stub).get(id, null))!;
  for (let i = 0; i < 400 && !done(job); i++) {
    await new Promise((r) => setTimeout(r, 10));
    job = (await api(stub).get(id, null))!;
  }
  return job;
}

// The object as it runs: its alarm, its slots and its RPC, with the gateway's answers faked.
describe.each(WAITS)('a JobQueue object with a job waiting for $kind', ({ refuse }) => {
  it('holds no slot, sets its alarm for the deadline when that comes first, and cancels at once', async () => {
    const stub = freshQueue('wait-object');
    // Only the first job submitted (the waiter) is refused; any other succeeds.
    let waiter = '';
    const gateway = gatewayAnswering((id) =>
      waiter === '' || id === waiter ? refuse(3_600_000) : completion(),
    );
    const delivered: Job[] = [];
    await runInDurableObject(stub, (instance: JobQueue) =>
      instance.setHooks({
        execute: selfExecutor(env as unknown as Env, () => gateway.fetcher),
        sendCallback: async (job) => {
          delivered.push(job);
          return { ok: true };
        },
        config: { concurrency: 1 },
      }),
    );
    const submitted = await api(stub).submit(
      input('waiter', { callbackUrl: 'https://hooks.example.com/cb' }),
    );
    const { job } = submitted as { job: Job };
    waiter = job.id;
    const waiting = await until(stub, job.id, (j) => j.next_attempt_at !== null);
    expect(waiting).toMatchObject({ status: 'queued', attempts: 0, attempt_log: [] });

    // another job runs meanwhile in the object's one slot (of another model: the end of a run of the
    // waiter's own model would wake it, see capacity-wake.test.ts)
    const other = (await api(stub).submit(input('other', { model: 'another-model' }))) as { job: Job };
    expect((await until(stub, other.job.id, (j) => j.finished_at !== null)).status).toBe('succeeded');

    const state = await runInDurableObject(stub, async (instance: JobQueue, s) => ({
      inFlight: instance.inFlight(),
      alarm: await s.storage.getAlarm(),
    }));
    expect(state.inFlight.filter((id) => id === job.id)).toEqual([]);
    // the deadline (60 s) comes before the Retry-After (1 h): the object wakes for the deadline
    expect(state.alarm).toBe(waiting.expires_at);

    const cancelled = await api(stub).cancel(job.id, null);
    expect(cancelled).toMatchObject({ ok: true, previous: 'waiting', job: { status: 'cancelled' } });
    const calls = gateway.calls.filter((id) => id === job.id).length;
    expect(calls).toBe(1);
    // the callback goes out now, and a later alarm never runs the job again
    const done = await until(stub, job.id, (j) => j.callback?.status === 'delivered');
    expect(done.callback?.status).toBe('delivered');
    expect(delivered.map((j) => [j.id, j.status])).toEqual([[job.id, 'cancelled']]);
    await runDurableObjectAlarm(stub);
    expect(gateway.calls.filter((id) => id === job.id)).toHaveLength(calls);
    expect((await api(stub).get(job.id, null))?.status).toBe('cancelled');
  });
});
