import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../../durable-objects/job-queue/job-queue.ts';
import type { Job, JobType } from '../../../schemas/jobs.ts';
import { invalidateKeyCache } from '../../../workers/data/api-keys.ts';
import { invalidateRegistry } from '../../../workers/data/registry.ts';
import type { Env } from '../../../workers/env.ts';
import { registerShard, shardName, shardStub } from '../../../workers/jobs/shards.ts';
import { seedKey } from '../helpers/seed.ts';

const e = env as unknown as Env;
const tag = crypto.randomUUID().slice(0, 8);
const tenant = `replay-model-${tag}`;
let admin: string;
/** Runs and callbacks the shard made, by job id: a refused replay must add to neither. */
const runs = new Map<string, number>();
const callbacks = new Map<string, number>();
const bump = (counts: Map<string, number>, id: string) => counts.set(id, (counts.get(id) ?? 0) + 1);

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: 'ops' });
  await registerShard(e, tenant, 0);
  const ns = env.JOB_QUEUE as unknown as DurableObjectNamespace<JobQueue>;
  // Every run fails for good, so each job lands in the dead letter after its one attempt.
  await runInDurableObject(ns.get(ns.idFromName(shardName(tenant, 0))), (q: JobQueue) =>
    q.setHooks({
      execute: async (job) => {
        bump(runs, job.id);
        return {
          kind: 'failed',
          retryable: false,
          error: { message: 'refused', type: 'invalid_request_error', code: 'refused', status: 400 },
        };
      },
      sendCallback: async (job) => {
        bump(callbacks, job.id);
        return { ok: true };
      },
    }),
  );
});

let models = 0;

/** A model of its own in the registry (with an alias), routed to a pool the hooked runs never reach. */
async function seedJobModel(capabilities: string[] = ['chat', 'completion']): Promise<string> {
  const id = `replay-model-${tag}-${++models}`;
  await env.DB.prepare(
    `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, created_at)
     VALUES (?, ?, 'test', '[{"pool":"replay-pool","engineModel":"x"}]', ?, 8192, 0)`,
  )
    .bind(id, JSON.stringify([`${id}-alias`]), JSON.stringify(capabilities))
    .run();
  invalidateRegistry();
  return id;
}

/** A job of a fresh key (allowed `allowed`, or every model) that has failed and delivered its callback. */
async function deadJob(
  model: string,
  { allowed = null, type = 'chat' }: { allowed?: string[] | null; type?: JobType } = {},
): Promise<{ job: Job; keyId: string }> {
  const keyId = `key_rm_${crypto.randomUUID().slice(0, 8)}`;
  await seedKey({ id: keyId, tenant, scopes: ['inference', 'jobs'], allowedModels: allowed });
  const request =
    type === 'chat' ? { model, messages: [{ role: 'user', content: keyId }] } : { model, prompt: keyId };
  const submitted = await shardStub(e, tenant, 0).submit({
    tenant,
    keyId,
    type,
    priority: 'normal',
    model,
    request,
    callbackUrl: 'https://hooks.example.com/done',
    baseUrl: 'http://gw',
    timeoutMs: 60_000,
    maxAttempts: 1,
  });
  if (!submitted.ok) throw new Error(`not submitted: ${submitted.reason}`);
  const job = await until(
    submitted.job.id,
    (j) => j.status === 'failed' && j.callback?.status === 'delivered',
  );
  expect(job.status).toBe('failed');
  return { job, keyId };
}

/** The job as stored, polled (bounded: 400 × 10 ms) until `done`. */
async function until(id: string, done: (job: Job) => boolean): Promise<Job> {
  let job = (await shardStub(e, tenant, 0).get(id, null)) as Job;
  for (let i = 0; i < 400 && !done(job); i++) {
    await new Promise((r) => setTimeout(r, 10));
    job = (await shardStub(e, tenant, 0).get(id, null)) as Job;
  }
  return job;
}

const replay = async (id: string) => {
  const res = await exports.default.fetch(`http://gw/admin/jobs/${id}/replay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}` },
  });
  const body = (await res.json()) as Job & { error: { code: string; message: string; param: string | null } };
  return { status: res.status, body };
};

/** Nothing moved: the job as it was, one run and one callback. */
async function expectUntouched(job: Job) {
  expect(await shardStub(e, tenant, 0).get(job.id, null)).toEqual(job);
  expect({ runs: runs.get(job.id), callbacks: callbacks.get(job.id) }).toEqual({ runs: 1, callbacks: 1 });
}

const setAllowed = (keyId: string, allowed: string[]) =>
  env.DB.prepare('UPDATE api_keys SET allowed_models = ? WHERE id = ?')
    .bind(JSON.stringify(allowed), keyId)
    .run()
    .then(() => invalidateKeyCache());

describe("POST /admin/jobs/<id>/replay of a job whose key may no longer use the job's model", () => {
  it('refuses with 409 job_key_unusable naming the key and the model; nothing is queued or sent', async () => {
    const model = await seedJobModel();
    const { job, keyId } = await deadJob(model, { allowed: [model] });
    await setAllowed(keyId, ['some-other-model']);
    const { status, body } = await replay(job.id);
    expect({ status, code: body.error.code, param: body.error.param }).toEqual({
      status: 409,
      code: 'job_key_unusable',
      param: 'id',
    });
    expect(body.error.message).toContain(keyId);
    expect(body.error.message).toContain(`'${model}'`);
    expect(body.error.message).toMatch(/may no longer use/);
    await expectUntouched(job);
  });

  it('replays when the key allows the model by one of its aliases, as a run would', async () => {
    const model = await seedJobModel();
    const { job, keyId } = await deadJob(model, { allowed: [model] });
    await setAllowed(keyId, [`${model}-alias`]);
    const { status, body } = await replay(job.id);
    expect(status).toBe(202);
    expect(body.status).toBe('queued');
    await until(job.id, (j) => j.status === 'failed' && j.callback?.status === 'delivered');
    expect(runs.get(job.id)).toBe(2);
  });
});

describe('POST /admin/jobs/<id>/replay of a job whose model is gone or changed', () => {
  it('refuses with 409 job_model_unavailable when the model left the registry; nothing is queued or sent', async () => {
    const model = await seedJobModel();
    const { job } = await deadJob(model);
    await env.DB.prepare('DELETE FROM models WHERE id = ?').bind(model).run();
    invalidateRegistry();
    const { status, body } = await replay(job.id);
    expect({ status, code: body.error.code, param: body.error.param }).toEqual({
      status: 409,
      code: 'job_model_unavailable',
      param: 'id',
    });
    expect(body.error.message).toContain(`'${model}'`);
    expect(body.error.message).toMatch(/no longer exists/);
    await expectUntouched(job);
  });

  it('refuses with 409 job_model_unavailable when the model no longer serves the job type', async () => {
    const model = await seedJobModel(['chat', 'completion']);
    const { job } = await deadJob(model, { type: 'completion' });
    await env.DB.prepare(`UPDATE models SET capabilities = '["chat"]' WHERE id = ?`).bind(model).run();
    invalidateRegistry();
    const { status, body } = await replay(job.id);
    expect({ status, code: body.error.code }).toEqual({ status: 409, code: 'job_model_unavailable' });
    expect(body.error.message).toMatch(/completion/);
    await expectUntouched(job);
  });

  it('names the key first when both the key and the model are unusable', async () => {
    const model = await seedJobModel();
    const { job, keyId } = await deadJob(model);
    await env.DB.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').bind(Date.now(), keyId).run();
    await env.DB.prepare('DELETE FROM models WHERE id = ?').bind(model).run();
    invalidateKeyCache();
    invalidateRegistry();
    const { status, body } = await replay(job.id);
    expect({ status, code: body.error.code }).toEqual({ status: 409, code: 'job_key_unusable' });
    expect(body.error.message).toMatch(/revoked/);
    await expectUntouched(job);
  });

  it('still replays a job whose model exists but has no configured pool now (a run retries that)', async () => {
    const model = await seedJobModel();
    const { job } = await deadJob(model);
    // The model's only pool is not configured: a run answers a retryable 503, not a refusal for good.
    const { status } = await replay(job.id);
    expect(status).toBe(202);
    await until(job.id, (j) => j.status === 'failed' && j.callback?.status === 'delivered');
  });
});

it('the 404 for a job its shard does not hold comes before any key or model check', async () => {
  const ns = env.JOB_QUEUE as unknown as DurableObjectNamespace<JobQueue>;
  const id = `job_${ns.idFromName(shardName(tenant, 0)).toString()}_${'1'.repeat(20)}`;
  const { status, body } = await replay(id);
  expect({ status, code: body.error.code }).toEqual({ status: 404, code: 'job_not_found' });
});
