import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../schemas/jobs.ts';
import type { Env } from '../../../workers/env.ts';
import worker from '../../../workers/index.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

const ORIGIN = 'jobs-lookup-origin.test';
const tenant = `jobs-lookup-${crypto.randomUUID().slice(0, 8)}`;
let key = '';
let otherKey = '';
let admin = '';

beforeAll(async () => {
  key = await seedKey({ scopes: ['inference', 'jobs'], tenant });
  otherKey = await seedKey({ scopes: ['inference', 'jobs'], tenant: `${tenant}-other` });
  admin = await seedKey({ scopes: ['admin'] });
  await seedPool(
    {
      name: 'jobs-lookup-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${ORIGIN}`, capacity: 4, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    'jobs-lookup-model',
  );
});

// Handlers are cleared after each test, and the jobs submitted here run meanwhile.
beforeEach(() => {
  mockOrigin(ORIGIN, () =>
    Response.json({
      id: 'c1',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    }),
  );
});

const call = (path: string, init: RequestInit = {}, as = key) =>
  exports.default.fetch(`http://gw${path}`, {
    ...init,
    headers: { authorization: `Bearer ${as}`, 'content-type': 'application/json' },
  });

/** Let a submitted job finish while its origin is still mocked (bounded poll). */
async function settle(id: string): Promise<Job> {
  let job = (await (await call(`/v1/jobs/${id}`)).json()) as Job;
  for (let i = 0; i < 400 && ['queued', 'running'].includes(job.status); i++) {
    await new Promise((r) => setTimeout(r, 25));
    job = (await (await call(`/v1/jobs/${id}`)).json()) as Job;
  }
  return job;
}

/** The job namespace, counting how many object names a lookup hashes. */
function countingEnv(): { env: Env; names: () => number } {
  const real = env.JOB_QUEUE as unknown as DurableObjectNamespace;
  let names = 0;
  const ns = {
    idFromName: (name: string) => {
      names++;
      return real.idFromName(name);
    },
    idFromString: (hex: string) => real.idFromString(hex),
    get: (id: DurableObjectId) => real.get(id),
  };
  return { env: { ...env, JOB_QUEUE: ns } as unknown as Env, names: () => names };
}

describe('finding a job by its id', () => {
  it('GET and DELETE go straight to the object the id names, hashing no shard names', async () => {
    const res = await call('/v1/jobs', {
      method: 'POST',
      body: JSON.stringify({
        type: 'chat',
        request: { model: 'jobs-lookup-model', messages: [{ role: 'user', content: 'hi' }] },
      }),
    });
    expect(res.status).toBe(202);
    const job = (await res.json()) as Job;
    expect((await settle(job.id)).status).toBe('succeeded');
    const counting = countingEnv();
    const direct = async (path: string, method: string) => {
      const ctx = createExecutionContext();
      const answer = await worker.fetch(
        new Request(`http://gw${path}`, { method, headers: { authorization: `Bearer ${key}` } }),
        counting.env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return answer;
    };
    expect((await direct(`/v1/jobs/${job.id}`, 'GET')).status).toBe(200);
    expect((await direct(`/v1/jobs/${job.id}`, 'DELETE')).status).toBe(409);
    expect((await direct(`/v1/jobs/job_${'ab'.repeat(32)}_${'0'.repeat(20)}`, 'GET')).status).toBe(404);
    expect(counting.names()).toBe(0);
  });

  it('still answers 404 to another tenant for a job it can name, and 200 to its own', async () => {
    const res = await call('/v1/jobs', {
      method: 'POST',
      body: JSON.stringify({
        type: 'chat',
        request: { model: 'jobs-lookup-model', messages: [{ role: 'user', content: 'mine' }] },
      }),
    });
    const job = (await res.json()) as Job;
    expect((await call(`/v1/jobs/${job.id}`)).status).toBe(200);
    const foreign = await call(`/v1/jobs/${job.id}`, {}, otherKey);
    expect(foreign.status).toBe(404);
    expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('job_not_found');
    const cancel = await call(`/v1/jobs/${job.id}`, { method: 'DELETE' }, otherKey);
    expect(cancel.status).toBe(404);
    expect((await settle(job.id)).status).toBe('succeeded');
  });

  it('answers 404 for a well-formed id that names no object of this namespace', async () => {
    const made = `job_${'ab'.repeat(32)}_${'0'.repeat(20)}`;
    for (const [method, as] of [
      ['GET', key],
      ['DELETE', key],
    ] as const) {
      const res = await call(`/v1/jobs/${made}`, { method }, as);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('job_not_found');
    }
  });

  it('a 404 for a very long id quotes only its start', async () => {
    const long = `job_${'x'.repeat(6000)}`;
    for (const [method, path, as] of [
      ['GET', `/v1/jobs/${long}`, key],
      ['DELETE', `/v1/jobs/${long}`, key],
      ['POST', `/admin/jobs/${long}/replay`, admin],
    ] as const) {
      const res = await call(path, { method }, as);
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: { code: string; message: string; param: string } };
      expect(body.error.code).toBe('job_not_found');
      expect(body.error.param).toBe('id');
      expect(body.error.message.length).toBeLessThan(200);
      expect(body.error.message).toContain('job_xxxx');
    }
  });
});
