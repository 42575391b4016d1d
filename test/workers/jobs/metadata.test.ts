import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../schemas/jobs.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

let key: string;

beforeAll(async () => {
  key = await seedKey({
    scopes: ['inference', 'jobs'],
    tenant: `jobs-meta-${crypto.randomUUID().slice(0, 8)}`,
  });
  await seedPool(
    {
      name: 'jobs-meta-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: 'http://jobs-meta-origin.test', capacity: 1, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    'jobs-meta-model',
  );
});

/** The body is written by hand: `__proto__` must reach the gateway as an ordinary JSON key. */
async function submit(metadataJson: string) {
  const res = await exports.default.fetch('http://gw/v1/jobs', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: `{"type":"chat","timeout_seconds":1,"metadata":${metadataJson},
      "request":{"model":"jobs-meta-model","messages":[{"role":"user","content":"hi"}]}}`,
  });
  return { status: res.status, body: (await res.json()) as Job & { error?: Record<string, unknown> } };
}

describe('job metadata', () => {
  it('is returned exactly as given, or refused: a key is never dropped silently', async () => {
    const kept = await submit('{"constructor":"c","toString":"t","batch":"7"}');
    expect(kept.status).toBe(202);
    expect(kept.body.metadata).toEqual({ constructor: 'c', toString: 't', batch: '7' });

    const { status, body } = await submit('{"__proto__":"x","batch":"7"}');
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'metadata.__proto__' });
  });
});
