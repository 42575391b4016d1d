import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { JobStore } from '../../../durable-objects/job-queue/job-store.ts';
import { MAX_REQUEST_BYTES } from '../../../durable-objects/job-queue/row-limits.ts';
import { createApp } from '../../../workers/app.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

const app = createApp();
let key: string;

beforeAll(async () => {
  key = await seedKey({ scopes: ['jobs', 'inference'], tenant: `limits-${crypto.randomUUID().slice(0, 8)}` });
  await seedPool(
    {
      name: 'submit-limits-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: 'http://submit-limits-origin.test', capacity: 1, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    'submit-limits-model',
  );
});

afterEach(() => vi.restoreAllMocks());

/** POST /v1/jobs with a gateway whose body limit was raised far above what a job row can hold. */
async function submit(content: string) {
  const ctx = createExecutionContext();
  const res = await app.request(
    '/v1/jobs',
    {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'chat',
        // an origin that never answers keeps a stored job harmless
        timeout_seconds: 1,
        request: { model: 'submit-limits-model', max_tokens: 1, messages: [{ role: 'user', content }] },
      }),
    },
    { ...env, ECO_MAX_BODY_BYTES: String(8 * 1024 * 1024) },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json()) as { error?: Record<string, unknown> } };
}

describe('POST /v1/jobs with a request too large to store', () => {
  it('answers 413 job_request_too_large before storing, whatever ECO_MAX_BODY_BYTES allows', async () => {
    const { status, body } = await submit('x'.repeat(MAX_REQUEST_BYTES + 100_000));
    expect(status).toBe(413);
    expect(body.error).toEqual({
      message: expect.stringContaining(String(MAX_REQUEST_BYTES)),
      type: 'invalid_request_error',
      param: 'request',
      code: 'job_request_too_large',
    });
  });

  it('refuses a body far larger than any storable job while reading it (413)', async () => {
    const { status, body } = await submit('x'.repeat(3 * MAX_REQUEST_BYTES));
    expect(status).toBe(413);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'body_too_large' });
  });

  it('still accepts a request just under the limit', async () => {
    const { status } = await submit('x'.repeat(MAX_REQUEST_BYTES - 1000));
    expect(status).toBe(202);
  });
});

describe('POST /v1/jobs when the shard cannot store the job', () => {
  it('answers a clear 500 job_not_stored in the API error shape', async () => {
    // SQLite refuses rows over its size limit (2 MB on Cloudflare; not enforced locally)
    vi.spyOn(JobStore.prototype, 'enqueue').mockImplementation(() => {
      throw new Error('string or blob too big: SQLITE_TOOBIG');
    });
    const { status, body } = await submit('hello');
    expect(status).toBe(500);
    expect(body.error).toEqual({
      message: expect.stringContaining('SQLITE_TOOBIG'),
      type: 'server_error',
      param: null,
      code: 'job_not_stored',
    });
  });
});
