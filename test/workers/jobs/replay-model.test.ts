import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../../durable-objects/job-queue/job-queue.ts';
import type { Job, JobType } from '../../../schemas/jobs.ts';
import { invalidateKeyCache } from '../../../workers/data/api-keys.ts';
import { invalidateRegistry } from '../../../workers/data/registry.ts';
import { shardName } from '../../../workers/jobs/shards.ts';
import { seedKey } from '../helpers/seed.ts';
import { deadLetterShard } from './dead-letter-shard.ts';
import { seedReplayPool } from './replay-pool.ts';

const tag = crypto.randomUUID().slice(0, 8);
const tenant = `replay-model-${tag}`;
let admin: string;
let shard: Awaited<ReturnType<typeof deadLetterShard>>;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: 'ops' });
  await seedReplayPool(`${tenant}-pool`);
  shard = await deadLetterShard(tenant);
});

let models = 0;

/**
 * A model of its own in the registry (with an alias), routed to a configured pool the hooked runs never
 * reach, or to `pool` (one that is not configured).
 */
async function seedJobModel(
  capabilities: string[] = ['chat', 'completion'],
  pool = `${tenant}-pool`,
): Promise<string> {
  const id = `replay-model-${tag}-${++models}`;
  await env.DB.prepare(
    `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, created_at)
     VALUES (?, ?, 'test', ?, ?, 8192, 0)`,
  )
    .bind(
      id,
      JSON.stringify([`${id}-alias`]),
      JSON.stringify([{ pool, engineModel: 'x' }]),
      JSON.stringify(capabilities),
    )
    .run();
  invalidateRegistry();
  return id;
}

const deadJob = (model: string, options: { allowed?: string[] | null; type?: JobType } = {}) =>
  shard.deadJob({ model, ...options });
const replay = (id: string) => shard.replay(admin, id);
const until = (id: string, done: (job: Job) => boolean) => shard.until(id, done);

/** Nothing moved: the job as it was, one run and one callback. */
async function expectUntouched(job: Job) {
  expect(await shard.untouched(job)).toEqual({ stored: job, runs: 1, callbacks: 1 });
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
    expect(shard.runs.get(job.id)).toBe(2);
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

  it('refuses, as a submit does, a job whose model exists but has no configured pool now: 503 origin_unavailable', async () => {
    const model = await seedJobModel(undefined, `${tenant}-unconfigured-pool`);
    const { job } = await deadJob(model);
    // The model's only pool is not configured: a run would only spend its attempts on that 503.
    const { status, body } = await replay(job.id);
    expect({ status, code: body.error.code }).toEqual({ status: 503, code: 'origin_unavailable' });
    expect(body.error.message).toContain(`'${model}'`);
    await expectUntouched(job);
  });
});

it('the 404 for a job its shard does not hold comes before any key or model check', async () => {
  const ns = env.JOB_QUEUE as unknown as DurableObjectNamespace<JobQueue>;
  const id = `job_${ns.idFromName(shardName(tenant, 0)).toString()}_${'1'.repeat(20)}`;
  const { status, body } = await replay(id);
  expect({ status, code: body.error.code }).toEqual({ status: 404, code: 'job_not_found' });
});
