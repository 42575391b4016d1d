import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../schemas/jobs.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

const ORIGIN = 'jobs-null-origin.test';
let key: string;

beforeAll(async () => {
  key = await seedKey({
    scopes: ['inference', 'jobs'],
    tenant: `jobs-null-${crypto.randomUUID().slice(0, 8)}`,
  });
  await seedPool(
    {
      name: 'jobs-null-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${ORIGIN}`, capacity: 1, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    'jobs-null-model',
  );
});

async function submit(body: unknown, headers: Record<string, string> = {}) {
  const res = await exports.default.fetch('http://gw/v1/jobs', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, job: (await res.json()) as Job & { error?: Record<string, unknown> } };
}

const request = { model: 'jobs-null-model', messages: [{ role: 'user', content: 'hi' }] };

describe('optional job fields sent as null', () => {
  // README: "an optional field sent as `null` means 'not set'" (clients and SDKs send null for unset).
  it('read as not set, and hash like the body without them', async () => {
    mockOrigin(ORIGIN, () => new Response('{}', { status: 503 }));
    const nulls = { priority: null, timeout_seconds: null, callback_url: null, metadata: null };
    const headers = { 'idempotency-key': `nulls-${crypto.randomUUID()}` };
    const first = await submit({ type: 'chat', request, ...nulls }, headers);
    expect(first.status).toBe(202);
    expect(first.job).toMatchObject({ priority: 'normal', metadata: null, callback: null });
    expect(first.job.expires_at - first.job.created_at).toBe(3_600_000);
    const again = await submit({ type: 'chat', request }, headers);
    expect({ status: again.status, id: again.job.id }).toEqual({ status: 202, id: first.job.id });
    // Leave nothing running past the test.
    await exports.default.fetch(`http://gw/v1/jobs/${first.job.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${key}` },
    });
  });
});
