import { env, exports } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../schemas/jobs.ts';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

const ORIGIN = 'jobs-identity-origin.test';
const tenant = `jobs-idp-${crypto.randomUUID().slice(0, 8)}`;
let apiKey: string;

beforeAll(async () => {
  apiKey = await seedKey({ scopes: ['inference', 'jobs'], tenant });
  await seedPool(
    {
      name: 'jobs-identity-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${ORIGIN}`, capacity: 4, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    'jobs-identity-model',
  );
  mockOrigin(ORIGIN, () => chatAnswer('ok'));
});

/** A token from the identity provider (HS256 with ECO_JWT_SECRET): no API key stands behind it. */
async function idpToken(scopes: string[]): Promise<string> {
  return new SignJWT({ eco_tenant: tenant, eco_scopes: scopes })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`user-${crypto.randomUUID().slice(0, 8)}`)
    .setIssuer('https://idp.test/')
    .setAudience('eco-gateway-test')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(env.ECO_JWT_SECRET as string));
}

function submit(bearer: string) {
  return exports.default.fetch('http://gw/v1/jobs', {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'chat',
      request: { model: 'jobs-identity-model', messages: [{ role: 'user', content: 'hi' }] },
    }),
  });
}

/** Ids of the tenant's jobs, as its API key sees them. */
async function listed(): Promise<string[]> {
  const res = await exports.default.fetch('http://gw/v1/jobs?limit=100', {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  return ((await res.json()) as { data: Job[] }).data.map((j) => j.id);
}

describe('POST /v1/jobs as an identity-provider token', () => {
  it('is refused up front (a job runs as an API key), never accepted only to fail every attempt', async () => {
    const before = await listed();
    const res = await submit(await idpToken(['inference', 'jobs']));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: {
        message: expect.stringContaining('API key'),
        type: 'permission_error',
        param: null,
        code: 'jobs_need_api_key',
      },
    });
    expect(await listed()).toEqual(before);
  });

  it('a key with the jobs scope alone: refused up front, as its jobs could never call the inference API', async () => {
    const jobsOnly = await seedKey({ scopes: ['jobs'], tenant });
    const before = await listed();
    const res = await submit(jobsOnly);
    const body = (await res.json()) as { error?: unknown };
    expect(res.status).toBe(403);
    expect(body.error).toMatchObject({ type: 'permission_error', code: 'insufficient_scope' });
    expect(await listed()).toEqual(before);
  });

  it('still accepts a job submitted with an API key of the same tenant', async () => {
    const res = await submit(apiKey);
    expect(res.status).toBe(202);
  });
});
