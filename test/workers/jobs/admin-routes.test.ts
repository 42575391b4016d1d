import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../workers/app.ts';
import type { Env } from '../../../workers/env.ts';
import { encodeWalkCursor } from '../../../workers/jobs/cursor.ts';
import { registerShard } from '../../../workers/jobs/shards.ts';
import { seedKey } from '../helpers/seed.ts';

const e = env as unknown as Env;
let admin: string;
const tenant = `adm-q-${crypto.randomUUID().slice(0, 8)}`;
// A well-formed id naming a real object, so the call reaches a shard.
const JOB_ID = `job_${env.JOB_QUEUE.idFromName('admin-routes').toString()}_${'b'.repeat(20)}`;
// Two cursors that are each valid, so only their repetition can be refused.
const cursor = (after: string) => encodeWalkCursor({ after, through: null, before: null });

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: 'ops' });
  // A shard the dead letter walks, so a listing makes at least one shard call.
  await registerShard(e, tenant, 0);
});

/** The Worker, with `vars` over the configured bindings. */
async function call(path: string, init: RequestInit = {}, vars: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await createApp().request(
    path,
    { ...init, headers: { authorization: `Bearer ${admin}` } },
    { ...env, ...vars },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

/** A job queue namespace whose objects all fail every call the way the runtime marks a passing failure. */
function failingQueues(mark: 'retryable' | 'overloaded'): Partial<Env> {
  const real = env.JOB_QUEUE as unknown as DurableObjectNamespace;
  const fail = () =>
    Promise.reject(
      Object.assign(new Error('Durable Object reset because its code was updated.'), { [mark]: true }),
    );
  const stub = { list: fail, get: fail, replayTarget: fail, replay: fail, cancel: fail, counts: fail };
  return {
    JOB_QUEUE: {
      idFromName: (name: string) => real.idFromName(name),
      idFromString: (id: string) => real.idFromString(id),
      get: () => stub,
    } as unknown as Env['JOB_QUEUE'],
  };
}

async function expectError(res: Response, status: number, code: string, param: string | null) {
  const body = (await res.json()) as { error: { code: string; param: string | null; message: string } };
  expect({ status: res.status, code: body.error.code, param: body.error.param }).toEqual({
    status,
    code,
    param,
  });
}

describe('GET /admin/jobs/dead-letter query parameters', () => {
  it.each([
    ['limit=1&limit=100', 'limit'],
    [`cursor=${cursor('jobs:a:0')}&cursor=${cursor('jobs:b:0')}`, 'cursor'],
    [`tenant=${tenant}&tenant=other`, 'tenant'],
  ])('refuses a repeated parameter instead of reading its first value (%s)', async (query, param) => {
    const res = await call(`/admin/jobs/dead-letter?${query}`);
    await expectError(res, 400, `invalid_${param}`, param);
  });

  it('refuses an empty tenant rather than listing every tenant', async () => {
    await expectError(await call('/admin/jobs/dead-letter?tenant='), 400, 'invalid_tenant', 'tenant');
  });

  it.each(['0x10', '1e1', ' 5', '5.0', '+5'])(
    'refuses a limit that is not plain digits (%j)',
    async (limit) => {
      const res = await call(`/admin/jobs/dead-letter?limit=${encodeURIComponent(limit)}`);
      await expectError(res, 400, 'invalid_limit', 'limit');
    },
  );

  it('answers one value of each as before', async () => {
    const res = await call(`/admin/jobs/dead-letter?tenant=${tenant}&limit=5`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ object: 'list', data: [], has_more: false, next_cursor: null });
  });
});

describe('admin job routes when a shard does not answer', () => {
  it.each(['retryable', 'overloaded'] as const)(
    'the dead letter answers 503 job_queue_unavailable with Retry-After 1 (%s)',
    async (mark) => {
      const res = await call(`/admin/jobs/dead-letter?tenant=${tenant}`, {}, failingQueues(mark));
      expect(res.headers.get('retry-after')).toBe('1');
      await expectError(res, 503, 'job_queue_unavailable', null);
    },
  );

  it.each(['retryable', 'overloaded'] as const)(
    'a replay answers 503 job_queue_unavailable with Retry-After 1 (%s)',
    async (mark) => {
      const res = await call(`/admin/jobs/${JOB_ID}/replay`, { method: 'POST' }, failingQueues(mark));
      expect(res.headers.get('retry-after')).toBe('1');
      await expectError(res, 503, 'job_queue_unavailable', null);
    },
  );
});
