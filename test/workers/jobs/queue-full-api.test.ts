import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../../durable-objects/job-queue/job-queue.ts';
import type { Job, JobList } from '../../../schemas/jobs.ts';
import { createApp } from '../../../workers/app.ts';
import type { Env } from '../../../workers/env.ts';
import { shardStub } from '../../../workers/jobs/shards.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

const app = createApp();
const tenant = `bound-${crypto.randomUUID().slice(0, 8)}`;
let key: string;

beforeAll(async () => {
  key = await seedKey({ scopes: ['jobs', 'inference'], tenant });
  await seedPool(
    {
      name: 'bound-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: 'http://bound-origin.test', capacity: 1, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    'bound-model',
  );
  // Attempts that settle only when cancelled keep accepted jobs unfinished for as long as the test needs.
  const shard = shardStub(env as unknown as Env, tenant, 0) as unknown as DurableObjectStub<JobQueue>;
  await runInDurableObject(shard, (instance: JobQueue) =>
    instance.setHooks({
      execute: (_row, signal) =>
        new Promise((resolve) =>
          signal.addEventListener('abort', () =>
            resolve({
              kind: 'failed',
              retryable: false,
              error: { message: 'aborted', type: 'api_error', code: 'aborted', status: null },
            }),
          ),
        ),
    }),
  );
});

/** The gateway with one shard per tenant and a bound of two unfinished jobs. */
async function call(path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const res = await app.request(
    path,
    {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
    },
    { ...env, ECO_JOB_SHARDS: '1', ECO_JOB_MAX_PENDING: '2' },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

async function submit(content: string, idempotencyKey?: string) {
  const res = await call('/v1/jobs', {
    method: 'POST',
    headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
    body: JSON.stringify({
      type: 'chat',
      request: { model: 'bound-model', max_tokens: 1, messages: [{ role: 'user', content }] },
    }),
  });
  return { res, body: (await res.json()) as Job & { error?: Record<string, unknown> } };
}

describe('POST /v1/jobs over ECO_JOB_MAX_PENDING', () => {
  it('answers 429 job_queue_full with Retry-After, stores nothing, still answers resubmits, and accepts again once jobs finish', async () => {
    const first = await submit('one', 'bound-first');
    const second = await submit('two');
    expect([first.res.status, second.res.status]).toEqual([202, 202]);

    const refused = await submit('three', 'bound-third');
    expect(refused.res.status).toBe(429);
    expect(refused.body.error).toEqual({
      message: expect.stringContaining('at most 2 unfinished jobs'),
      type: 'rate_limit_error',
      param: null,
      code: 'job_queue_full',
    });
    // nothing finished yet: a whole minute
    expect(refused.res.headers.get('retry-after')).toBe('60');
    const listed = (await (await call('/v1/jobs?limit=100')).json()) as JobList;
    expect(listed.data.map((j) => j.id).sort()).toEqual([first.body.id, second.body.id].sort());

    // a client retrying a submit that was accepted gets its job, full queue or not
    const again = await submit('one', 'bound-first');
    expect(again.res.status).toBe(202);
    expect(again.res.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);

    // a finished job frees its place; the refused submit's key was never used, so it now queues a job
    expect((await call(`/v1/jobs/${second.body.id}`, { method: 'DELETE' })).status).toBe(200);
    const retried = await submit('three', 'bound-third');
    expect(retried.res.status).toBe(202);
    expect(retried.res.headers.get('idempotent-replayed')).toBeNull();
    expect((await submit('four')).res.status).toBe(429);

    for (const id of [first.body.id, retried.body.id])
      expect((await call(`/v1/jobs/${id}`, { method: 'DELETE' })).status).toBe(200);
  });
});
