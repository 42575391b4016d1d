import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { JobQueue } from '../../../durable-objects/job-queue/job-queue.ts';
import type { Job } from '../../../schemas/jobs.ts';
import type { Env } from '../../../workers/env.ts';
import { shardName, shardStub } from '../../../workers/jobs/shards.ts';
import { seedKey } from '../helpers/seed.ts';

const e = env as unknown as Env;

describe('jobs on shards above ECO_JOB_SHARDS', () => {
  it('stay readable and cancellable by id after the shard count is lowered, by their tenant only', async () => {
    const tenant = `shards-${crypto.randomUUID().slice(0, 8)}`;
    const key = await seedKey({ scopes: ['jobs'], tenant });
    const stranger = await seedKey({ scopes: ['jobs'], tenant: `${tenant}-other` });
    // shard 7 existed while ECO_JOB_SHARDS was 8; the test bindings now say 4
    const ns = env.JOB_QUEUE as unknown as DurableObjectNamespace<JobQueue>;
    const high = ns.get(ns.idFromName(shardName(tenant, 7)));
    // an attempt that never settles on its own keeps the job unfinished while it is read
    await runInDurableObject(high, (instance: JobQueue) =>
      instance.setHooks({
        execute: (_row, signal) =>
          new Promise((r) =>
            signal.addEventListener('abort', () =>
              r({
                kind: 'failed',
                retryable: false,
                error: { message: 'aborted', type: 'api_error', code: 'aborted', status: null },
              }),
            ),
          ),
      }),
    );
    const submitted = await shardStub(e, tenant, 7).submit({
      tenant,
      keyId: 'k',
      type: 'chat',
      priority: 'normal',
      model: 'm',
      request: { model: 'm', messages: [{ role: 'user', content: 'x' }] },
      baseUrl: 'http://gw',
      timeoutMs: 60_000,
      maxAttempts: 1,
    });
    const id = (submitted as { job: Job }).job.id;
    const call = (as: string, method = 'GET') =>
      exports.default.fetch(`http://gw/v1/jobs/${id}`, {
        method,
        headers: { authorization: `Bearer ${as}` },
      });

    expect((await call(stranger)).status).toBe(404);
    expect((await call(stranger, 'DELETE')).status).toBe(404);
    const read = await call(key);
    expect(read.status).toBe(200);
    expect(((await read.json()) as Job).id).toBe(id);
    const cancelled = await call(key, 'DELETE');
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as Job).status).toBe('cancelled');
  });
});
