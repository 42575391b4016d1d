import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyCallbackSignature } from '../../../durable-objects/job-queue/callback-signature.ts';
import type { Job } from '../../../schemas/jobs.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

const ORIGIN = 'jobs-origin.test';
let key: string;
let otherTenantKey: string;
let inferenceOnly: string;
let admin: string;

const completion = (content = 'done') => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'engine-side',
  choices: [{ index: 0, message: { role: 'assistant', content }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});

beforeAll(async () => {
  const tenant = `jobs-${crypto.randomUUID().slice(0, 8)}`;
  key = await seedKey({ scopes: ['inference', 'jobs'], tenant });
  otherTenantKey = await seedKey({ scopes: ['inference', 'jobs'], tenant: `${tenant}-other` });
  inferenceOnly = await seedKey({ scopes: ['inference'], tenant });
  admin = await seedKey({ scopes: ['admin'], tenant: 'ops' });
  await seedPool(
    {
      name: 'jobs-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${ORIGIN}`, capacity: 8, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    'job-model',
  );
});

function call(path: string, init: RequestInit & { as?: string } = {}) {
  const { as = key, ...rest } = init;
  return exports.default.fetch(`http://gw${path}`, {
    ...rest,
    headers: { authorization: `Bearer ${as}`, 'content-type': 'application/json', ...(rest.headers ?? {}) },
  });
}

const chatJob = (content = 'hi', extra: Record<string, unknown> = {}) => ({
  type: 'chat',
  request: { model: 'job-model', messages: [{ role: 'user', content }] },
  ...extra,
});

async function submit(body: unknown, headers: Record<string, string> = {}, as = key) {
  const res = await call('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers, as });
  return { res, job: (await res.json()) as Job & { error?: { code: string; param: string } } };
}

async function getJob(id: string, as = key) {
  return (await (await call(`/v1/jobs/${id}`, { as })).json()) as Job;
}

/** Poll (bounded) until the job satisfies `done`. */
async function waitJob(id: string, done: (j: Job) => boolean, tries = 200): Promise<Job> {
  let job = await getJob(id);
  for (let i = 0; i < tries && !done(job); i++) {
    await new Promise((r) => setTimeout(r, 25));
    job = await getJob(id);
  }
  return job;
}

const finished = (j: Job) => ['succeeded', 'failed', 'cancelled', 'expired'].includes(j.status);

describe('POST /v1/jobs', () => {
  it('queues a chat job, runs it through the gateway pipeline as the submitting key, and keeps the result', async () => {
    const seen: { body: Record<string, unknown>; priority?: string }[] = [];
    mockOrigin(ORIGIN, async (req) => {
      seen.push({ body: (await req.json()) as Record<string, unknown> });
      return Response.json(completion('async answer'));
    });
    const { res, job } = await submit(
      chatJob('hello', {
        priority: 'high',
        metadata: { batch: '7' },
        request: { model: 'job-model', stream: true, messages: [{ role: 'user', content: 'hello' }] },
      }),
    );
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(job.url);
    expect(job).toMatchObject({
      object: 'job',
      status: 'queued',
      priority: 'high',
      type: 'chat',
      model: 'job-model',
    });
    expect(job.id).toMatch(/^job_[0-9a-f]{64}_[0-9a-f]{20}$/);
    const done = await waitJob(job.id, finished);
    expect(done.status).toBe('succeeded');
    expect(done.result).toMatchObject({ object: 'chat.completion', model: 'job-model' });
    expect((done.result as ReturnType<typeof completion>).choices[0]?.message.content).toBe('async answer');
    expect(done.usage).toEqual({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });
    expect(done.metadata).toEqual({ batch: '7' });
    expect(done.transitions.map((t) => t.status)).toEqual(['queued', 'running', 'succeeded']);
    expect(done.started_at).toBeGreaterThanOrEqual(done.created_at);
    expect(done.finished_at).toBeGreaterThanOrEqual(done.started_at!);
    // streaming was switched off for the job's own request
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body.stream ?? false).toBe(false);
  });

  it('validates the body and the inner request like the sync API, before storing anything', async () => {
    const cases: [unknown, number, string][] = [
      [{ type: 'image', request: {} }, 400, 'type'],
      [chatJob('x', { priority: 'urgent' }), 400, 'priority'],
      [
        { type: 'chat', request: { model: 'job-model', messages: [{ role: 'wizard', content: 'x' }] } },
        400,
        'request.messages.0.role',
      ],
      [{ type: 'chat', request: { messages: [] } }, 400, 'request.model'],
      [chatJob('x', { timeout_seconds: 0 }), 400, 'timeout_seconds'],
      [
        { type: 'chat', request: { model: 'nope', messages: [{ role: 'user', content: 'x' }] } },
        404,
        'request.model',
      ],
      [chatJob('x', { callback_url: 'http://hooks.example.com/x' }), 400, 'callback_url'],
      [chatJob('x', { callback_url: 'https://169.254.169.254/latest' }), 400, 'callback_url'],
    ];
    for (const [body, status, param] of cases) {
      const { res, job } = await submit(body);
      expect({ status: res.status, param: job.error?.param }).toEqual({ status, param });
    }
    const list = (await (await call('/v1/jobs?limit=100')).json()) as { data: Job[] };
    expect(list.data.every((j) => j.model === 'job-model')).toBe(true);
  });

  it('needs the jobs scope', async () => {
    const { res } = await submit(chatJob(), {}, inferenceOnly);
    expect(res.status).toBe(403);
    expect((await call('/v1/jobs', { as: inferenceOnly })).status).toBe(403);
  });
});

describe('Idempotency-Key', () => {
  it('same key and body → the same job; different body → 409; another caller → its own job', async () => {
    mockOrigin(ORIGIN, () => Response.json(completion()));
    const idem = { 'idempotency-key': `k-${crypto.randomUUID()}` };
    const first = await submit(chatJob('idem'), idem);
    expect(first.res.status).toBe(202);
    // the same body with its keys in another order is the same body
    const reordered = {
      request: { messages: [{ content: 'idem', role: 'user' }], model: 'job-model' },
      type: 'chat',
    };
    const second = await submit(reordered, idem);
    expect(second.res.status).toBe(202);
    expect(second.res.headers.get('idempotent-replayed')).toBe('true');
    expect(second.job.id).toBe(first.job.id);
    const conflict = await submit(chatJob('different'), idem);
    expect(conflict.res.status).toBe(409);
    expect(conflict.job.error?.code).toBe('idempotency_key_reused');
    const other = await submit(chatJob('idem'), idem, otherTenantKey);
    expect(other.res.status).toBe(202);
    expect(other.job.id).not.toBe(first.job.id);
    expect((await submit(chatJob('x'), { 'idempotency-key': 'bad key with spaces' })).res.status).toBe(400);
  });
});

describe('GET and list', () => {
  it('lists own jobs newest first with cursor pagination and a status filter; other tenants see nothing', async () => {
    mockOrigin(ORIGIN, () => Response.json(completion()));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit(chatJob(`list-${i}`))).job.id);
    for (const id of ids) await waitJob(id, finished);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const query: string = `/v1/jobs?limit=2&status=succeeded${cursor ? `&cursor=${cursor}` : ''}`;
      const body = (await (await call(query)).json()) as {
        data: Job[];
        has_more: boolean;
        next_cursor: string | null;
      };
      expect(body.data.length).toBeLessThanOrEqual(2);
      expect(body.data.every((j) => j.status === 'succeeded')).toBe(true);
      seen.push(...body.data.map((j) => j.id));
      cursor = body.next_cursor;
      if (!body.has_more) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    const mine = seen.filter((id) => ids.includes(id));
    expect(mine).toEqual([...ids].reverse());
    const created = await Promise.all(seen.map(async (id) => (await getJob(id)).created_at));
    expect(created).toEqual([...created].sort((a, b) => b - a));

    const foreign = (await (await call('/v1/jobs', { as: otherTenantKey })).json()) as { data: Job[] };
    expect(foreign.data.some((j) => ids.includes(j.id))).toBe(false);
    expect((await call(`/v1/jobs/${ids[0]}`, { as: otherTenantKey })).status).toBe(404);
    expect((await call(`/v1/jobs/${ids[0]}`, { as: otherTenantKey, method: 'DELETE' })).status).toBe(404);
    expect((await call('/v1/jobs/job_nope')).status).toBe(404);
    expect((await call('/v1/jobs?status=done')).status).toBe(400);
    expect((await call('/v1/jobs?limit=1000')).status).toBe(400);
    expect((await call('/v1/jobs?cursor=xyz')).status).toBe(400);
  });
});

describe('retries and the dead letter', () => {
  it('retries retryable failures with backoff, then fails with the last error; admins list and replay it', async () => {
    let calls = 0;
    let healthy = false;
    mockOrigin(ORIGIN, () => {
      calls++;
      return healthy ? Response.json(completion('second life')) : new Response('overloaded', { status: 503 });
    });
    const { job } = await submit(chatJob('doomed'));
    const failed = await waitJob(job.id, finished);
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toBe(failed.max_attempts);
    expect(calls).toBe(failed.max_attempts);
    expect(failed.error).toMatchObject({ status: expect.any(Number) });
    expect(failed.error!.status).toBeGreaterThanOrEqual(500);
    expect(failed.attempt_log.map((a) => a.outcome)).toEqual([
      ...Array(failed.max_attempts - 1).fill('retryable_error'),
      'retryable_error',
    ]);
    // each retry waited at least half its backoff step (base 20 ms, doubling)
    const starts = failed.attempt_log.map((a) => a.started_at);
    const ends = failed.attempt_log.map((a) => a.ended_at!);
    for (let i = 1; i < starts.length; i++)
      expect(starts[i]! - ends[i - 1]!).toBeGreaterThanOrEqual(10 * 2 ** (i - 1));

    expect((await call('/admin/jobs/dead-letter')).status).toBe(403);
    const dead = (await (await call('/admin/jobs/dead-letter?limit=100', { as: admin })).json()) as {
      data: Job[];
    };
    expect(dead.data.map((j) => j.id)).toContain(job.id);
    expect(dead.data.every((j) => j.status === 'failed')).toBe(true);

    healthy = true;
    expect((await call(`/admin/jobs/${job.id}/replay`, { method: 'POST' })).status).toBe(403);
    const replay = await call(`/admin/jobs/${job.id}/replay`, { method: 'POST', as: admin });
    expect(replay.status).toBe(202);
    const revived = await waitJob(job.id, finished);
    expect(revived.status).toBe('succeeded');
    expect(revived.transitions.some((t) => t.note === 'replayed')).toBe(true);
    expect((await call(`/admin/jobs/${job.id}/replay`, { method: 'POST', as: admin })).status).toBe(409);
  });

  it('does not retry a request the gateway refuses (4xx): failed after one attempt', async () => {
    let calls = 0;
    mockOrigin(ORIGIN, () => {
      calls++;
      return Response.json({ error: { message: 'bad' } }, { status: 400 });
    });
    const { job } = await submit(chatJob('bad'));
    const done = await waitJob(job.id, finished);
    expect(done).toMatchObject({ status: 'failed', attempts: 1 });
    expect(done.error?.status).toBe(400);
    expect(calls).toBe(1);
  });
});

describe('cancellation and deadlines', () => {
  /** An origin that never answers until its request is aborted. */
  function hangingOrigin() {
    const state = { started: 0, aborted: 0 };
    mockOrigin(ORIGIN, (req) => {
      state.started++;
      return new Promise<Response>((resolve) => {
        req.signal.addEventListener('abort', () => {
          state.aborted++;
          resolve(new Response('aborted', { status: 499 }));
        });
      });
    });
    return state;
  }

  it('cancels a running job and aborts its origin request', async () => {
    const origin = hangingOrigin();
    const { job } = await submit(chatJob('long'));
    await waitJob(job.id, (j) => j.status === 'running');
    for (let i = 0; i < 100 && origin.started === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const res = await call(`/v1/jobs/${job.id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Job).status).toBe('cancelled');
    for (let i = 0; i < 100 && origin.aborted === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(origin.aborted).toBe(1);
    const after = await getJob(job.id);
    expect(after.status).toBe('cancelled');
    expect(after.attempt_log.at(-1)?.outcome).toBe('cancelled');
    expect((await call(`/v1/jobs/${job.id}`, { method: 'DELETE' })).status).toBe(409);
  });

  it('expires a running job at its deadline (origin aborted), with no retry', async () => {
    const origin = hangingOrigin();
    const { job } = await submit(chatJob('slow', { timeout_seconds: 1 }));
    const done = await waitJob(job.id, finished, 400);
    expect(done.status).toBe('expired');
    expect(done.error?.code).toBe('job_expired');
    expect(done.attempts).toBe(1);
    for (let i = 0; i < 100 && origin.aborted === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(origin.aborted).toBe(1);
  });
});

describe('callbacks', () => {
  it('POSTs the final job signed; a receiver that fails is retried and the result is never lost', async () => {
    mockOrigin(ORIGIN, () => Response.json(completion('for the hook')));
    const deliveries: { body: string; signature: string | null }[] = [];
    let receiverUp = false;
    mockOrigin('hooks.example.com', async (req) => {
      deliveries.push({ body: await req.text(), signature: req.headers.get('x-eco-signature') });
      return new Response(null, { status: receiverUp ? 204 : 503 });
    });
    const { job } = await submit(chatJob('hook', { callback_url: 'https://hooks.example.com/jobs' }));
    for (let i = 0; i < 200 && deliveries.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    const meanwhile = await getJob(job.id);
    expect(meanwhile.status).toBe('succeeded');
    expect(meanwhile.callback).toMatchObject({ status: 'pending', last_error: 'callback answered HTTP 503' });
    receiverUp = true;
    const done = await waitJob(job.id, (j) => j.callback?.status === 'delivered');
    expect(done.callback?.attempts).toBe(deliveries.length);
    // Checked as a receiver would: with the tenant's secret, as the gateway gives it to the tenant.
    const { secret } = (await (await call('/v1/jobs/callback-secret')).json()) as { secret: string };
    for (const d of deliveries) {
      expect(await verifyCallbackSignature(secret, d.signature ?? '', d.body, Date.now() / 1000)).toBe(true);
      expect(JSON.parse(d.body)).toMatchObject({
        id: job.id,
        status: 'succeeded',
        result: { object: 'chat.completion' },
      });
    }
  });

  it('gives up after the maximum attempts but keeps the job and its result', async () => {
    mockOrigin(ORIGIN, () => Response.json(completion('kept')));
    let deliveries = 0;
    mockOrigin('hooks.example.com', () => {
      deliveries++;
      return new Response('down', { status: 500 });
    });
    const { job } = await submit(chatJob('hook2', { callback_url: 'https://hooks.example.com/never' }));
    const done = await waitJob(job.id, (j) => j.callback?.status === 'failed', 600);
    expect(done.callback?.status).toBe('failed');
    // ECO_JOB_CALLBACK_MAX_ATTEMPTS is 4 in the test bindings
    expect(done.callback?.attempts).toBe(4);
    expect(deliveries).toBe(4);
    expect(done.status).toBe('succeeded');
    expect(done.result).not.toBeNull();
  });
});

describe('GET /metrics', () => {
  it('counts jobs by tenant and status across the shards', async () => {
    mockOrigin(ORIGIN, () => Response.json(completion('counted')));
    const tenant = `metrics-${crypto.randomUUID().slice(0, 8)}`;
    const submitter = await seedKey({ scopes: ['inference', 'jobs'], tenant });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await submit(chatJob(`m${i}`), {}, submitter)).job.id);
    for (const id of ids) {
      for (let i = 0; i < 200 && (await getJob(id, submitter)).status !== 'succeeded'; i++)
        await new Promise((r) => setTimeout(r, 25));
    }
    const scrape = await call('/metrics', { as: admin });
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    expect(text).toContain('# TYPE eco_jobs gauge');
    expect(text).toContain(`eco_jobs{tenant="${tenant}",status="succeeded"} 3`);
    // Every status is written for a tenant, 0 included: a dashboard sees 0, not a gap.
    for (const status of ['queued', 'running', 'failed', 'cancelled', 'expired'])
      expect(text).toContain(`eco_jobs{tenant="${tenant}",status="${status}"} 0`);
    expect(text).toMatch(/eco_job_shards\{state="up"\} (\d+)/);
    const [, known] = /eco_job_shards\{state="known"\} (\d+)/.exec(text)!;
    const [, up] = /eco_job_shards\{state="up"\} (\d+)/.exec(text)!;
    expect(Number(up)).toBe(Number(known));
  });
});
