import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clearFaults, freePort, type RunningStack, setFault, startStack } from './helpers/stack.ts';

/**
 * Jobs against a real dev stack of their own (one shard, two at a time, a known callback secret), so
 * the stack can be killed and restarted on the same ports and state directory.
 */
interface Job {
  id: string;
  status: string;
  priority: string;
  created_at: number;
  finished_at: number | null;
  attempts: number;
  result: { object: string; choices: { message?: { content: string }; text?: string }[] } | null;
  error: { code: string | null } | null;
  transitions: { status: string; at: number; note?: string }[];
  attempt_log: { attempt: number; started_at: number; outcome: string }[];
  callback: { status: string | null; attempts: number; last_error: string | null } | null;
}

const SECRET = 'e2e-callback-secret';
const TERMINAL = ['succeeded', 'failed', 'cancelled', 'expired'];
const RANK: Record<string, number> = { critical: 0, high: 1, normal: 2, low: 3 };
const persistDir = mkdtempSync(join(tmpdir(), 'eco-jobs-e2e-'));
const apiKey = `eco_sk_jobs_${crypto.randomUUID().replaceAll('-', '')}`;
let gatewayPort: number;
let emulatorPort: number;
let stack: RunningStack;

const vars = {
  ECO_JOB_SHARDS: '1',
  ECO_JOB_CONCURRENCY: '2',
  ECO_JOB_CALLBACK_SECRET: SECRET,
  ECO_JOB_RETRY_BASE_MS: '200',
  ECO_JOB_CALLBACK_RETRY_BASE_MS: '200',
};

const boot = () => startStack({ persistDir, gatewayPort, emulatorPort, apiKey, vars });

beforeAll(async () => {
  gatewayPort = await freePort();
  emulatorPort = await freePort();
  stack = await boot();
}, 180_000);

// Non-stream answers come back at once; a latency fault on the emulated vLLM origins makes each job
// take a known time, so queues build up and runs can be caught mid-flight.
const slowOrigins = (delayMs: number) =>
  setFault(stack, { engine: 'vllm', mode: 'latency', delayMs, count: 10_000 });

afterEach(() => clearFaults(stack));

afterAll(async () => {
  await stack?.stop();
  rmSync(persistDir, { recursive: true, force: true });
});

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${stack.gateway}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...init.headers },
  });
}

const chat = (content: string, maxTokens = 8, extra: Record<string, unknown> = {}) => ({
  type: 'chat',
  request: { model: 'dev-vllm', max_tokens: maxTokens, messages: [{ role: 'user', content }] },
  ...extra,
});

async function submit(body: unknown, headers: Record<string, string> = {}): Promise<Job> {
  const res = await api('/v1/jobs', { method: 'POST', body: JSON.stringify(body), headers });
  if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Job;
}

const getJob = async (id: string) => (await (await api(`/v1/jobs/${id}`)).json()) as Job;

async function waitFor<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await probe();
  }
  return value;
}

const waitJob = (id: string, done: (j: Job) => boolean = (j) => TERMINAL.includes(j.status), ms = 30_000) =>
  waitFor(() => getJob(id), done, ms);

async function served(): Promise<number> {
  const stats = (await (await fetch(`${stack.emulator}/_control/stats`)).json()) as {
    origins: { engine: string; served: number }[];
  };
  return stats.origins.filter((o) => o.engine === 'vllm').reduce((n, o) => n + o.served, 0);
}

const firstStart = (j: Job) =>
  j.transitions.find((t) => t.status === 'running')?.at ?? Number.POSITIVE_INFINITY;

/**
 * A pool of one slot and no queue on the emulated origin vllm-1, with a model `<name>-model` routed to it:
 * while one request runs there, the pool refuses the next before any origin sees it.
 */
async function oneSlotPool(
  name: string,
  timeouts: { headersMs: number; firstTokenMs: number; idleMs: number; totalMs: number },
): Promise<void> {
  const origins = (
    (await (await fetch(`${stack.emulator}/_control/origins`)).json()) as {
      origins: { id: string; url: string }[];
    }
  ).origins;
  const url = origins.find((o) => o.id === 'vllm-1')?.url;
  expect(url).toBeDefined();
  const pool = await api('/admin/pools', {
    method: 'POST',
    body: JSON.stringify({
      name,
      protocol: 'vllm',
      origins: [{ id: 'vllm-1', url, capacity: 1 }],
      queue: { maxDepth: 0, maxWaitMs: 0 },
      admission: { blockSize: 0 },
      timeouts,
    }),
  });
  expect(pool.status, await pool.clone().text()).toBeLessThan(300);
  const model = await api('/admin/models', {
    method: 'POST',
    body: JSON.stringify({
      id: `${name}-model`,
      routes: [{ pool: name, engineModel: 'meta-llama/Llama-3.1-8B-Instruct' }],
    }),
  });
  expect(model.status, await model.clone().text()).toBe(201);
}

describe('jobs on a real stack', () => {
  it('runs mixed priorities to completion, best class first within the shard', async () => {
    await slowOrigins(150);
    const priorities = ['low', 'normal', 'high', 'critical'];
    const jobs: Job[] = [];
    for (let i = 0; i < 14; i++)
      jobs.push(await submit(chat(`mixed ${i}`, 8, { priority: priorities[(i * 3) % 4] })));
    const done = await Promise.all(jobs.map((j) => waitJob(j.id)));
    expect(done.map((j) => j.status)).toEqual(done.map(() => 'succeeded'));
    for (const j of done) expect(j.result?.choices[0]?.message?.content.length).toBeGreaterThan(0);
    // Whenever a job was claimed, no better-class job that was already waiting was left behind.
    let pairs = 0;
    for (const a of done) {
      for (const b of done) {
        if (RANK[a.priority]! < RANK[b.priority]! && a.created_at < firstStart(b)) {
          pairs++;
          expect(firstStart(a), `${a.priority} queued before ${b.priority} started`).toBeLessThanOrEqual(
            firstStart(b),
          );
        }
      }
    }
    // Fourteen jobs, two at a time: better-class jobs were waiting while worse ones started.
    expect(pairs).toBeGreaterThan(0);
  });

  it('runs completion jobs and answers with the text_completion shape', async () => {
    const job = await submit({
      type: 'completion',
      request: { model: 'dev-vllm', prompt: 'Once upon', max_tokens: 4 },
    });
    const done = await waitJob(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.result?.object).toBe('text_completion');
  });

  it('honours Idempotency-Key: same body → same job, different body → 409', async () => {
    const key = { 'idempotency-key': `e2e-${crypto.randomUUID()}` };
    const a = await submit(chat('idempotent'), key);
    const b = await submit(chat('idempotent'), key);
    expect(b.id).toBe(a.id);
    const conflict = await api('/v1/jobs', {
      method: 'POST',
      body: JSON.stringify(chat('changed')),
      headers: key,
    });
    expect(conflict.status).toBe(409);
    expect((await waitJob(a.id)).status).toBe('succeeded');
  });

  it('cancels a queued and a running job (the running one stops its origin request), and expires at the deadline', async () => {
    await slowOrigins(8000);
    const before = await served();
    const running1 = await submit(chat('long one', 400));
    const running2 = await submit(chat('long two', 400, { timeout_seconds: 2 }));
    const queued = await submit(chat('never runs', 4));
    await waitJob(running1.id, (j) => j.status === 'running');
    const cancelQueued = await api(`/v1/jobs/${queued.id}`, { method: 'DELETE' });
    expect(cancelQueued.status).toBe(200);
    expect(((await cancelQueued.json()) as Job).status).toBe('cancelled');
    const cancelRunning = await api(`/v1/jobs/${running1.id}`, { method: 'DELETE' });
    expect(((await cancelRunning.json()) as Job).status).toBe('cancelled');
    const expired = await waitJob(running2.id);
    expect(expired.status).toBe('expired');
    expect(expired.error?.code).toBe('job_expired');
    // both origin requests were cut off long before their 8 s delay, and the queued job never ran
    const idle = await waitFor(
      async () =>
        (
          (await (await fetch(`${stack.emulator}/_control/stats`)).json()) as {
            origins: { inFlight: number }[];
          }
        ).origins,
      (origins) => origins.every((o) => o.inFlight === 0),
      10_000,
    );
    expect(idle.every((o) => o.inFlight === 0)).toBe(true);
    expect((await getJob(queued.id)).attempts).toBe(0);
    expect((await served()) - before).toBe(2);
    expect((await api(`/v1/jobs/${queued.id}`, { method: 'DELETE' })).status).toBe(409);
  });

  it('delivers a signed callback, retrying while the receiver is down until it is up', async () => {
    const port = await freePort();
    const job = await submit(chat('call me back', 4, { callback_url: `http://127.0.0.1:${port}/hook` }));
    // nothing listens yet: deliveries fail and are retried, the result is kept
    const failing = await waitJob(job.id, (j) => (j.callback?.attempts ?? 0) >= 1);
    expect(failing.status).toBe('succeeded');
    expect(failing.callback?.status).toBe('pending');
    expect(failing.callback?.last_error).toBeTruthy();
    const received: { body: string; signature: string }[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['x-eco-signature'] ?? '') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    try {
      const delivered = await waitJob(job.id, (j) => j.callback?.status === 'delivered');
      expect(delivered.callback?.status).toBe('delivered');
      expect(received).toHaveLength(1);
      const { body, signature } = received[0]!;
      const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature);
      expect(match).not.toBeNull();
      // The receiver's key: its tenant's secret as the gateway hands it out, not ECO_JOB_CALLBACK_SECRET.
      const { secret } = (await (await api('/v1/jobs/callback-secret')).json()) as { secret: string };
      expect(secret).not.toBe(SECRET);
      const expected = createHmac('sha256', secret).update(`${match![1]}.${body}`).digest();
      expect(timingSafeEqual(expected, Buffer.from(match![2]!, 'hex'))).toBe(true);
      expect(Math.abs(Date.now() / 1000 - Number(match![1]))).toBeLessThan(300);
      expect(JSON.parse(body)).toMatchObject({ id: job.id, status: 'succeeded' });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('waits for a saturated pool without spending attempts, then succeeds on its first', async () => {
    // A pool that has learnt nothing about its origin says a slot frees by the total timeout at the
    // latest: that is the Retry-After the job waits, so it is kept short here.
    await oneSlotPool('jobs-e2e-capacity', {
      headersMs: 6000,
      firstTokenMs: 6000,
      idleMs: 6000,
      totalMs: 8000,
    });
    try {
      // The first request on the origin takes 4 s and holds the pool's only slot meanwhile.
      await setFault(stack, { engine: 'vllm', origin: 'vllm-1', mode: 'latency', delayMs: 4000, count: 1 });
      const ask = (content: string) =>
        api('/v1/chat/completions', {
          method: 'POST',
          body: JSON.stringify({
            model: 'jobs-e2e-capacity-model',
            max_tokens: 4,
            messages: [{ role: 'user', content }],
          }),
        });
      const holder = ask('holds the slot');
      // The holder has the slot before anything else asks: otherwise a later ask could take it first,
      // and the holder would be the one refused.
      const inFlight = async () =>
        ((await (await api('/admin/pools/jobs-e2e-capacity')).json()) as { state: { inFlight: number } })
          .state.inFlight;
      expect(await waitFor(inFlight, (n) => n === 1, 5000)).toBe(1);
      const refused = await waitFor(
        () => ask('refused'),
        (r) => r.status !== 200,
        5000,
      );
      expect(refused.status).toBe(429);
      expect(refused.headers.get('x-eco-refused-by')).toBe('pool');
      const before = await served();
      const job = await submit({
        type: 'chat',
        request: {
          model: 'jobs-e2e-capacity-model',
          max_tokens: 4,
          messages: [{ role: 'user', content: 'waits' }],
        },
      });
      const waiting = await waitJob(job.id, (j) =>
        j.transitions.some((t) => /^capacity wait: pool_saturated/.test(t.note ?? '')),
      );
      expect(waiting.status).toBe('queued');
      expect(waiting.attempts).toBe(0);
      expect(waiting.attempt_log).toEqual([]);
      expect((await holder).status).toBe(200);
      const done = await waitJob(job.id);
      expect(done.status, JSON.stringify({ retryAfter: refused.headers.get('retry-after'), done })).toBe(
        'succeeded',
      );
      expect(done.attempts).toBe(1);
      expect(done.attempt_log.map((a) => a.outcome)).toEqual(['succeeded']);
      expect(done.result?.choices[0]?.message?.content.length).toBeGreaterThan(0);
      // the origin saw the job once: every refusal was the pool's, before any origin
      expect((await served()) - before).toBe(1);
    } finally {
      await api('/admin/models/jobs-e2e-capacity-model', { method: 'DELETE' });
      await api('/admin/pools/jobs-e2e-capacity', { method: 'DELETE' });
    }
  });

  it('runs a job waiting for pool capacity as soon as the job holding the slot ends, not at its Retry-After', async () => {
    // A pool that has learnt nothing yet: its Retry-After is the total timeout (30 s), far longer than
    // the 2 s the slot is held.
    await oneSlotPool('jobs-e2e-wake', {
      headersMs: 10_000,
      firstTokenMs: 10_000,
      idleMs: 10_000,
      totalMs: 30_000,
    });
    try {
      await setFault(stack, { engine: 'vllm', origin: 'vllm-1', mode: 'latency', delayMs: 2000, count: 1 });
      const request = (content: string) => ({
        type: 'chat',
        request: { model: 'jobs-e2e-wake-model', max_tokens: 4, messages: [{ role: 'user', content }] },
      });
      // One shard, two slots: both run at once, one holds the pool's slot and the other is refused.
      const jobs = [await submit(request('first')), await submit(request('second'))];
      const done = await Promise.all(jobs.map((j) => waitJob(j.id, undefined, 60_000)));
      expect(done.map((j) => j.status)).toEqual(['succeeded', 'succeeded']);
      const waited = done.filter((j) => j.transitions.some((t) => t.note?.startsWith('capacity wait:')));
      expect(waited).toHaveLength(1);
      const waiter = waited[0]!;
      const holder = done.find((j) => j !== waiter)!;
      const wait = waiter.transitions.find((t) => t.note?.startsWith('capacity wait:'))!;
      expect(waiter.attempts).toBe(1);
      // It ran once the holder's run ended, and before its Retry-After was over: that lasts until the
      // holder's slot is due back by the total timeout, 30 s after the holder started at the earliest.
      const ran = waiter.attempt_log[0]!.started_at;
      expect(wait.at).toBeLessThanOrEqual(ran);
      expect(ran).toBeGreaterThanOrEqual(holder.finished_at! - 50);
      expect(ran).toBeLessThan(holder.attempt_log[0]!.started_at + 30_000);
    } finally {
      await api('/admin/models/jobs-e2e-wake-model', { method: 'DELETE' });
      await api('/admin/pools/jobs-e2e-wake', { method: 'DELETE' });
    }
  });

  it('loses nothing and runs nothing twice after success when the stack is killed mid-run', async () => {
    await slowOrigins(400);
    const jobs: Job[] = [];
    for (let i = 0; i < 12; i++) jobs.push(await submit(chat(`restart ${i}`, 12)));
    // let some finish and two be mid-generation, then kill everything
    await waitFor(
      async () => Promise.all(jobs.map((j) => getJob(j.id))),
      (all) =>
        all.filter((j) => j.status === 'succeeded').length >= 3 && all.some((j) => j.status === 'running'),
    );
    const beforeKill = await Promise.all(jobs.map((j) => getJob(j.id)));
    const succeededBefore = new Map(beforeKill.filter((j) => j.status === 'succeeded').map((j) => [j.id, j]));
    expect(succeededBefore.size).toBeGreaterThanOrEqual(3);
    expect(succeededBefore.size).toBeLessThan(jobs.length);
    await stack.stop();
    const killedAt = Date.now();
    stack = await boot();

    const after = await Promise.all(
      jobs.map((j) => waitJob(j.id, (x) => TERMINAL.includes(x.status), 60_000)),
    );
    expect(after.map((j) => j.status)).toEqual(after.map(() => 'succeeded'));
    for (const job of after) {
      // exactly one success per job, and jobs that had succeeded were not touched again
      expect(job.transitions.filter((t) => t.status === 'succeeded')).toHaveLength(1);
      const earlier = succeededBefore.get(job.id);
      if (earlier) expect(job.attempt_log).toEqual(earlier.attempt_log);
    }
    // jobs cut off mid-run went back to the queue and ran again
    const interrupted = after.filter((j) => j.attempt_log.some((a) => a.outcome === 'interrupted'));
    expect(interrupted.length).toBeGreaterThanOrEqual(1);
    // the fresh emulator saw exactly one request per attempt made after the restart, one per job left
    const attemptsAfter = after.flatMap((j) => j.attempt_log).filter((a) => a.started_at >= killedAt);
    const finishedAfter = after.filter((j) =>
      j.transitions.some((t) => t.status === 'succeeded' && t.at >= killedAt),
    );
    expect(attemptsAfter.length).toBe(finishedAfter.length);
    expect(await served()).toBe(attemptsAfter.length);
  }, 180_000);
});
