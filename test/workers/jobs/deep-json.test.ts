import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey, seedPool } from '../helpers/seed.ts';

let key: string;

beforeAll(async () => {
  key = await seedKey({ scopes: ['jobs', 'inference'], tenant: `deep-${crypto.randomUUID().slice(0, 8)}` });
  await seedPool(
    {
      name: 'jobs-deep-pool',
      protocol: 'vllm',
      origins: [{ id: 'o', url: 'http://jobs-deep.test', capacity: 1, weight: 1 }],
    },
    'jobs-deep-model',
  );
});

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** A chat job whose tool's parameter schema nests `depth` objects deep. */
const deepJob = (depth: number) =>
  `{"type":"chat","request":{"model":"jobs-deep-model","messages":[{"role":"user","content":"x"}],` +
  `"tools":[{"type":"function","function":{"name":"f","parameters":${nested(depth)}}}]}}`;

function submit(body: string, idempotencyKey?: string): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${key}`,
    'content-type': 'application/json',
  };
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  return exports.default.fetch('http://gw/v1/jobs', { method: 'POST', headers, body });
}

describe('a job body nested deeper than a job stores', () => {
  it.each([
    [5_000, false],
    [5_000, true],
    [100_000, false],
    [100_000, true],
  ])('depth %i (Idempotency-Key: %s) is a 400, not a 500 or a 503 to retry', async (depth, keyed) => {
    const res = await submit(deepJob(depth), keyed ? `k-${crypto.randomUUID()}` : undefined);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect({ status: res.status, code: body.error.code }).toEqual({ status: 400, code: 'invalid_request' });
    expect(body.error.message).toContain('128 levels');
  });

  it('a deep body that is not even a job is refused without a 500', async () => {
    const res = await submit(`${'['.repeat(50_000)}${']'.repeat(50_000)}`, `k-${crypto.randomUUID()}`);
    expect(res.status).toBe(400);
  });

  it('a schema nested as deep as real ones are is accepted', async () => {
    const res = await submit(deepJob(60), `k-${crypto.randomUUID()}`);
    expect(res.status).toBe(202);
  });
});
