import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../schemas/jobs.ts';
import { createApp } from '../../../workers/app.ts';
import { invalidateKeyCache } from '../../../workers/data/api-keys.ts';
import { invalidateRegistry } from '../../../workers/data/registry.ts';
import type { Env } from '../../../workers/env.ts';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { chat } from './api-client.ts';

const ORIGIN = 'jobs-replay-origin.test';
const tenant = `jobs-replay-${crypto.randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  await seedPool(
    {
      name: 'jobs-replay-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${ORIGIN}`, capacity: 4, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    'jobs-replay-model',
  );
});

/** A key of its own per test (its scopes are changed under it), and its id. */
async function freshKey(scopes = ['inference', 'jobs']): Promise<{ key: string; id: string }> {
  const id = `key_replay_${crypto.randomUUID().slice(0, 8)}`;
  return { key: await seedKey({ id, scopes, tenant }), id };
}

async function submit(
  key: string,
  body: unknown,
  idempotencyKey: string | null,
  vars: Partial<Env> = {},
): Promise<Response> {
  mockOrigin(ORIGIN, () => chatAnswer('ok'));
  const headers: Record<string, string> = {
    authorization: `Bearer ${key}`,
    'content-type': 'application/json',
  };
  if (idempotencyKey !== null) headers['idempotency-key'] = idempotencyKey;
  const ctx = createExecutionContext();
  const res = await createApp().request(
    '/v1/jobs',
    { method: 'POST', headers, body: JSON.stringify(body) },
    { ...env, ...vars },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

async function accepted(res: Response): Promise<Job> {
  expect(res.status).toBe(202);
  return (await res.json()) as Job;
}

async function expectError(res: Response, status: number, code: string): Promise<void> {
  const body = (await res.json()) as { error: { code: string } };
  expect({ status: res.status, code: body.error.code }).toEqual({ status, code });
}

const jobBody = (content: string, extra: Record<string, unknown> = {}) => ({
  type: 'chat',
  request: chat('jobs-replay-model', content),
  ...extra,
});

async function setScopes(id: string, scopes: string[]): Promise<void> {
  await env.DB.prepare('UPDATE api_keys SET scopes = ? WHERE id = ?').bind(JSON.stringify(scopes), id).run();
  invalidateKeyCache();
}

describe('a resubmit with the same Idempotency-Key and body answers the job already accepted', () => {
  it('after the key lost the inference scope (a new job is still refused)', async () => {
    const { key, id } = await freshKey();
    const idem = `k-${crypto.randomUUID()}`;
    const first = await accepted(await submit(key, jobBody('scope'), idem));
    await setScopes(id, ['jobs']);
    const again = await submit(key, jobBody('scope'), idem);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await accepted(again)).id).toBe(first.id);
    await expectError(
      await submit(key, jobBody('scope'), `k-${crypto.randomUUID()}`),
      403,
      'insufficient_scope',
    );
    await expectError(await submit(key, jobBody('scope'), null), 403, 'insufficient_scope');
  });

  it('after its model was removed from the registry (a new job is still refused)', async () => {
    const { key } = await freshKey();
    await seedPool(
      {
        name: 'jobs-replay-gone',
        protocol: 'vllm',
        origins: [{ id: 'o1', url: `http://${ORIGIN}`, capacity: 4, weight: 1 }],
      },
      'jobs-replay-gone',
    );
    const body = { type: 'chat', request: chat('jobs-replay-gone', 'gone') };
    const idem = `k-${crypto.randomUUID()}`;
    const first = await accepted(await submit(key, body, idem));
    await env.DB.prepare('DELETE FROM models WHERE id = ?').bind('jobs-replay-gone').run();
    invalidateRegistry();
    const again = await submit(key, body, idem);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await accepted(again)).id).toBe(first.id);
    const fresh = await submit(key, body, `k-${crypto.randomUUID()}`);
    expect(fresh.status).toBe(404);
  });

  it('after the callback secret was unset (a new job with a callback is still refused)', async () => {
    const { key } = await freshKey();
    const body = jobBody('hook', { callback_url: 'https://hooks.example.com/replay' });
    const idem = `k-${crypto.randomUUID()}`;
    const first = await accepted(await submit(key, body, idem));
    const unset = { ECO_JOB_CALLBACK_SECRET: '' };
    const again = await submit(key, body, idem, unset);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await accepted(again)).id).toBe(first.id);
    await expectError(
      await submit(key, body, `k-${crypto.randomUUID()}`, unset),
      400,
      'callbacks_unavailable',
    );
  });
});

describe('what still refuses a resubmit', () => {
  it('a revoked key (authentication comes first)', async () => {
    const { key, id } = await freshKey();
    const idem = `k-${crypto.randomUUID()}`;
    await accepted(await submit(key, jobBody('revoked'), idem));
    await env.DB.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?')
      .bind(Date.now() - 1, id)
      .run();
    invalidateKeyCache();
    await expectError(await submit(key, jobBody('revoked'), idem), 401, 'api_key_revoked');
  });

  it('a key without the jobs scope (it may not see the job either)', async () => {
    const { key, id } = await freshKey();
    const idem = `k-${crypto.randomUUID()}`;
    await accepted(await submit(key, jobBody('jobs scope'), idem));
    await setScopes(id, ['inference']);
    await expectError(await submit(key, jobBody('jobs scope'), idem), 403, 'insufficient_scope');
  });

  it('another body under the key: 409, even when that body would be refused now', async () => {
    const { key, id } = await freshKey();
    const idem = `k-${crypto.randomUUID()}`;
    await accepted(await submit(key, jobBody('one'), idem));
    await setScopes(id, ['jobs']);
    await expectError(await submit(key, jobBody('two'), idem), 409, 'idempotency_key_reused');
  });

  it('a body refused today under a key that names no job answers the refusal', async () => {
    const { key } = await freshKey();
    const body = { type: 'chat', request: chat('jobs-replay-never-there', 'x') };
    await expectError(await submit(key, body, `k-${crypto.randomUUID()}`), 404, 'model_not_found');
  });

  it('a shard that does not answer the look-up: 503 to retry, not the refusal', async () => {
    const { key, id } = await freshKey();
    const idem = `k-${crypto.randomUUID()}`;
    await accepted(await submit(key, jobBody('lookup'), idem));
    await setScopes(id, ['jobs']);
    const real = env.JOB_QUEUE as unknown as DurableObjectNamespace;
    const fail = () =>
      Promise.reject(Object.assign(new Error('Network connection lost.'), { retryable: true }));
    const JOB_QUEUE = {
      idFromName: (name: string) => real.idFromName(name),
      idFromString: (s: string) => real.idFromString(s),
      get: () => ({ submit: fail, findIdempotent: fail, holdsIdempotency: fail }),
    } as unknown as Env['JOB_QUEUE'];
    const res = await submit(key, jobBody('lookup'), idem, { JOB_QUEUE, ECO_JOB_SHARDS: '1' });
    expect(res.headers.get('retry-after')).toBe('1');
    await expectError(res, 503, 'job_queue_unavailable');
  });
});
