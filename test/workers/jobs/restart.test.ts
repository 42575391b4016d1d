import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Executor } from '../../../durable-objects/job-queue/job-engine.ts';
import type { JobQueue } from '../../../durable-objects/job-queue/job-queue.ts';
import type { PriorityClass } from '../../../schemas/config.ts';
import type { Job } from '../../../schemas/jobs.ts';
import type { JobQueueStub } from '../../../workers/jobs/shards.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

const ORIGIN = 'restart-origin.test';
let key: string;
const DIRECT_KEY_ID = `key_restart_${crypto.randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  key = await seedKey({
    scopes: ['jobs', 'inference'],
    tenant: `restart-${crypto.randomUUID().slice(0, 8)}`,
  });
  await seedKey({ id: DIRECT_KEY_ID, scopes: ['inference'], tenant: 'restart-direct' });
  await seedPool(
    {
      name: 'restart-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${ORIGIN}`, capacity: 8, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      // A hung non-stream call ends at the total limit: short, so that an eviction does not wait long.
      timeouts: { headersMs: 2000, firstTokenMs: 2000, idleMs: 2000, totalMs: 2000 },
    },
    'restart-model',
  );
});

const answer = {
  id: 'c',
  object: 'chat.completion',
  created: 1,
  model: 'x',
  choices: [
    { index: 0, message: { role: 'assistant', content: 'ok' }, logprobs: null, finish_reason: 'stop' },
  ],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
};

const auth = () => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

async function submit(content: string): Promise<Job> {
  const res = await exports.default.fetch('http://gw/v1/jobs', {
    method: 'POST',
    headers: auth(),
    body: JSON.stringify({
      type: 'chat',
      request: { model: 'restart-model', messages: [{ role: 'user', content }] },
    }),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as Job;
}

async function getJob(id: string): Promise<Job> {
  return (await (await exports.default.fetch(`http://gw/v1/jobs/${id}`, { headers: auth() })).json()) as Job;
}

async function waitJob(id: string, done: (j: Job) => boolean): Promise<Job> {
  let job = await getJob(id);
  for (let i = 0; i < 200 && !done(job); i++) {
    await new Promise((r) => setTimeout(r, 25));
    job = await getJob(id);
  }
  return job;
}

function stubOf(jobId: string) {
  const ns = env.JOB_QUEUE as unknown as DurableObjectNamespace<JobQueue>;
  return ns.get(ns.idFromString(jobId.split('_')[1]!));
}

describe('JobQueue across restarts', () => {
  it('a job running when the object is evicted runs again from queued and succeeds once', async () => {
    let calls = 0;
    let hang = true;
    mockOrigin(ORIGIN, (req) => {
      calls++;
      if (!hang) return Response.json(answer);
      return new Promise<Response>((resolve) =>
        req.signal.addEventListener('abort', () => resolve(new Response('gone', { status: 499 }))),
      );
    });
    const job = await submit('interrupted');
    await waitJob(job.id, (j) => j.status === 'running');
    for (let i = 0; i < 100 && calls === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBe(1);

    hang = false;
    const stub = stubOf(job.id);
    await evictDurableObject(stub);
    // the new instance put the job back in the queue and re-armed its alarm in the constructor
    const alarm = await runInDurableObject(stub, async (instance: JobQueue, state) => ({
      alarm: await state.storage.getAlarm(),
      inFlight: instance.inFlight(),
    }));
    expect(alarm.inFlight).toEqual([]);
    expect(alarm.alarm).not.toBeNull();

    const done = await waitJob(job.id, (j) => j.status === 'succeeded');
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(2);
    // eviction aborts the in-flight request (the old instance may still record that) or cuts it off
    expect(['interrupted', 'retryable_error']).toContain(done.attempt_log[0]?.outcome);
    expect(done.attempt_log[1]?.outcome).toBe('succeeded');
    expect(done.transitions.map((t) => t.status)).toEqual([
      'queued',
      'running',
      'queued',
      'running',
      'succeeded',
    ]);
    expect(calls).toBe(2);

    // a finished job is never run again: another restart and alarm change nothing
    await evictDurableObject(stub);
    await runDurableObjectAlarm(stub);
    expect(calls).toBe(2);
    expect((await getJob(job.id)).attempts).toBe(2);
  });

  it('a job left running by a crash (no attempt in memory) is re-queued when the object starts', async () => {
    let calls = 0;
    mockOrigin(ORIGIN, () => {
      calls++;
      return Response.json(answer);
    });
    const stub = freshQueue('crash');
    // an instance that claims nothing, so the row can be put in the state a crash leaves behind
    // (its one attempt is told to come back in an hour, so the object's alarm sits far in the future)
    await runInDurableObject(stub, (instance: JobQueue) =>
      instance.setHooks({
        execute: async () => ({
          kind: 'failed',
          retryable: true,
          retryAfterMs: 3_600_000,
          error: { message: 'later', type: 'server_error', code: 'later', status: 503 },
        }),
      }),
    );
    const { job } = (await api(stub).submit(input('crashed'))) as { job: Job };
    for (let i = 0; i < 100 && (await api(stub).get(job.id, null))?.next_attempt_at === null; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await runInDurableObject(stub, (_i: JobQueue, state) => {
      state.storage.sql.exec(
        `UPDATE jobs SET status = 'running', attempts = 1, attempt_log = json('[{"attempt":1,"started_at":1,"ended_at":null,"outcome":"running","error":null}]') WHERE id = ?`,
        job.id,
      );
    });
    await evictDurableObject(stub);
    const view = await api(stub).get(job.id, null);
    expect(view?.status).toBe('queued');
    expect(view?.transitions.at(-1)).toMatchObject({ status: 'queued', note: 'interrupted' });
    expect(await runInDurableObject(stub, (_i: JobQueue, state) => state.storage.getAlarm())).not.toBeNull();
    for (let i = 0; i < 200 && (await api(stub).get(job.id, null))?.status !== 'succeeded'; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    const done = await api(stub).get(job.id, null);
    expect(done?.status).toBe('succeeded');
    expect(done?.attempt_log.map((a) => a.outcome)).toEqual(['interrupted', 'succeeded']);
    expect(calls).toBe(1);
  });

  it('drains one shard best class first, FIFO within a class', async () => {
    const stub = freshQueue('order');
    const hooks = blockingHooks();
    await runInDurableObject(stub, (instance: JobQueue) =>
      instance.setHooks({ ...hooks, config: { concurrency: 1 } }),
    );
    await api(stub).submit(input('first'));
    await hooks.started(1);
    const plan: [string, PriorityClass][] = [
      ['low-1', 'low'],
      ['normal-1', 'normal'],
      ['critical-1', 'critical'],
      ['high-1', 'high'],
      ['low-2', 'low'],
      ['critical-2', 'critical'],
      ['normal-2', 'normal'],
    ];
    for (const [content, priority] of plan) await api(stub).submit(input(content, priority));
    hooks.release();
    await hooks.started(plan.length + 1);
    expect(hooks.order).toEqual([
      'first',
      'critical-1',
      'critical-2',
      'high-1',
      'normal-1',
      'normal-2',
      'low-1',
      'low-2',
    ]);
  });
});

let objects = 0;
/** RPC types turn a job's `unknown` result into `never`; the class's own signatures are the truth. */
const api = (stub: DurableObjectStub) => stub as unknown as JobQueueStub;
function freshQueue(label: string) {
  const ns = env.JOB_QUEUE as unknown as DurableObjectNamespace<JobQueue>;
  return ns.get(ns.idFromName(`restart-test:${label}:${++objects}:${crypto.randomUUID()}`));
}

function input(content: string, priority: PriorityClass = 'normal') {
  return {
    tenant: 'restart-direct',
    keyId: DIRECT_KEY_ID,
    type: 'chat' as const,
    priority,
    model: 'restart-model',
    request: { model: 'restart-model', messages: [{ role: 'user', content }] },
    baseUrl: 'http://gw',
    timeoutMs: 60_000,
    maxAttempts: 3,
  };
}

/** An executor that records what it was asked to run and holds every attempt until released. */
function blockingHooks() {
  const order: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const execute: Executor = async (row) => {
    order.push((JSON.parse(row.request) as { messages: { content: string }[] }).messages[0]!.content);
    await gate;
    return { kind: 'succeeded', result: answer, usage: answer.usage };
  };
  return {
    execute,
    order,
    release: () => release(),
    async started(n: number) {
      for (let i = 0; i < 200 && order.length < n; i++) await new Promise((r) => setTimeout(r, 10));
      expect(order.length).toBe(n);
    },
  };
}
