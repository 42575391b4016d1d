import { env, exports } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../schemas/jobs.ts';
import type { Env } from '../../../workers/env.ts';
import { registerShard, shardStub } from '../../../workers/jobs/shards.ts';
import { seedKey, seedModel } from '../helpers/seed.ts';

/**
 * Identity-provider users may share a default tenant: were they let read jobs, each would see (and
 * cancel) the others' prompts and results. They are refused as at submit.
 */
const tag = crypto.randomUUID().slice(0, 8);
const tenant = `jobs-idp-reads-${tag}`;
const model = `idp-reads-model-${tag}`;
const keyId = `key_idp_reads_${tag}`;
const e = env as unknown as Env;
let apiKey: string;

beforeAll(async () => {
  apiKey = await seedKey({ id: keyId, scopes: ['inference', 'jobs'], tenant });
  // No pool the runs could reach: the job stays unfinished (waiting to retry) while the test reads it.
  await seedModel(model, [{ pool: `idp-reads-pool-${tag}`, engineModel: 'x' }]);
});

async function idpToken(): Promise<string> {
  return new SignJWT({ eco_tenant: tenant, eco_scopes: ['inference', 'jobs'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`reader-${crypto.randomUUID().slice(0, 8)}`)
    .setIssuer('https://idp.test/')
    .setAudience('eco-gateway-test')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(env.ECO_JWT_SECRET as string));
}

const call = (bearer: string, path: string, method = 'GET') =>
  exports.default.fetch(`http://gw${path}`, { method, headers: { authorization: `Bearer ${bearer}` } });

/** A job of the tenant's API key, queued directly on its shard (submit would refuse the pool-less model). */
async function tenantJob(): Promise<Job> {
  await registerShard(e, tenant, 0);
  const submitted = await shardStub(e, tenant, 0).submit({
    tenant,
    keyId,
    type: 'chat',
    priority: 'low',
    model,
    request: { model, messages: [{ role: 'user', content: 'private prompt' }] },
    baseUrl: 'http://gw',
    timeoutMs: 600_000,
    maxAttempts: 20,
  });
  if (!submitted.ok) throw new Error(submitted.reason);
  return submitted.job;
}

describe('job reads and cancels as an identity-provider token', () => {
  it('GET /v1/jobs, GET /v1/jobs/<id> and DELETE /v1/jobs/<id> answer 403 jobs_need_api_key', async () => {
    const job = await tenantJob();
    const token = await idpToken();
    for (const [path, method] of [
      ['/v1/jobs', 'GET'],
      [`/v1/jobs/${job.id}`, 'GET'],
      [`/v1/jobs/${job.id}`, 'DELETE'],
    ] as const) {
      const res = await call(token, path, method);
      const body = (await res.json()) as { error: { code: string; type: string; message: string } };
      expect({ path, method, status: res.status, code: body.error.code, type: body.error.type }).toEqual({
        path,
        method,
        status: 403,
        code: 'jobs_need_api_key',
        type: 'permission_error',
      });
      expect(body.error.message).not.toContain('private prompt');
    }
    // The refused cancel changed nothing; the tenant's API key still reads and cancels the job.
    const read = await call(apiKey, `/v1/jobs/${job.id}`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as Job).status).not.toBe('cancelled');
    const cancelled = await call(apiKey, `/v1/jobs/${job.id}`, 'DELETE');
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as Job).status).toBe('cancelled');
  });
});
