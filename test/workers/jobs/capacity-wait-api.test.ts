import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../schemas/jobs.ts';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { chat, finished, jobsClient } from './api-client.ts';

const ORIGIN = 'jobs-capacity-origin.test';
const DOWN_ORIGIN = 'jobs-capacity-down.test';
let key = '';
let admin = '';
const tenant = `jobs-cap-${crypto.randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  // One slot and no queue: while one request runs, the pool refuses the next (pool_saturated).
  await seedPool(
    {
      name: 'jobs-capacity-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${ORIGIN}`, capacity: 1, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      timeouts: { headersMs: 3000, firstTokenMs: 3000, idleMs: 3000, totalMs: 3000 },
      queue: { maxDepth: 0, maxWaitMs: 0 },
      admission: { blockSize: 0 },
    } as never,
    'jobs-capacity-model',
  );
  await seedPool(
    {
      name: 'jobs-capacity-down-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${DOWN_ORIGIN}`, capacity: 8, weight: 1 }],
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    'jobs-capacity-down-model',
  );
  key = await seedKey({ scopes: ['inference', 'jobs'], tenant });
  admin = await seedKey({ scopes: ['admin'] });
});

const jobs = () => jobsClient(key);
const call = (path: string, init: RequestInit = {}) => jobs().call(path, init);
const submit = async (model: string, content: string) => (await jobs().submit(model, content)).id;
const pollJob = (id: string, until: (job: Job) => boolean) => jobs().pollJob(id, until);

describe('the pools refusing a job before any origin saw it (over HTTP)', () => {
  it('the gateway marks a pool refusal `x-eco-refused-by: pool`, and an origin’s own 503 not', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    mockOrigin(ORIGIN, async () => {
      await held;
      return chatAnswer('ok');
    });
    mockOrigin(DOWN_ORIGIN, () => Response.json({ error: 'down for maintenance' }, { status: 503 }));
    const first = call('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify(chat('jobs-capacity-model', 'holds the slot')),
    });
    let refused: Response | undefined;
    for (let i = 0; i < 200; i++) {
      refused = await call('/v1/chat/completions', {
        method: 'POST',
        body: JSON.stringify(chat('jobs-capacity-model', 'refused')),
      });
      if (refused.status !== 200) break;
    }
    release();
    expect((await first).status).toBe(200);
    expect(refused!.status).toBe(429);
    expect(((await refused!.json()) as { error: { code: string } }).error.code).toBe('pool_saturated');
    expect(refused!.headers.get('x-eco-refused-by')).toBe('pool');
    const down = await call('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify(chat('jobs-capacity-down-model', 'x')),
    });
    expect(down.status).toBe(503);
    expect(down.headers.get('x-eco-refused-by')).toBeNull();
  });

  it('a job refused for capacity waits without spending an attempt, then succeeds on its first', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    mockOrigin(ORIGIN, async (request) => {
      const body = (await request.json()) as { messages: { content: string }[] };
      seen.push(body.messages[0]!.content);
      if (body.messages[0]!.content === 'holder') await held;
      return chatAnswer('ok');
    });
    const holder = await submit('jobs-capacity-model', 'holder');
    await pollJob(holder, (j) => j.status === 'running' || finished(j));
    for (let i = 0; i < 200 && !seen.includes('holder'); i++) await new Promise((r) => setTimeout(r, 10));
    const waiter = await submit('jobs-capacity-model', 'waiter');
    const waiting = await pollJob(
      waiter,
      (j) => j.transitions.some((t) => t.note?.startsWith('capacity wait:')) || finished(j),
    );
    expect(waiting).toMatchObject({ status: 'queued', attempts: 0, attempt_log: [], started_at: null });
    expect(waiting.next_attempt_at).not.toBeNull();
    expect(waiting.transitions.at(-1)!.note).toMatch(/^capacity wait: pool_saturated \(\d+ in a row\)$/);
    const scrape = await exports.default.fetch('http://gw/metrics', {
      headers: { authorization: `Bearer ${admin}` },
    });
    const text = await scrape.text();
    expect(text).toContain(`eco_jobs_capacity_waiting{tenant="${tenant}"} 1`);
    expect(text).toContain(`eco_jobs_limit_waiting{tenant="${tenant}"} 0`);
    release();
    const done = await pollJob(waiter, finished);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(done.attempt_log.map((a) => a.outcome)).toEqual(['succeeded']);
    expect((await pollJob(holder, finished)).status).toBe('succeeded');
  }, 60_000);

  it('a job whose origin answers 503 itself spends its attempts (it reached an engine)', async () => {
    mockOrigin(DOWN_ORIGIN, () => Response.json({ error: 'down for maintenance' }, { status: 503 }));
    const id = await submit('jobs-capacity-down-model', 'down');
    const job = await pollJob(id, (j) => j.attempts >= 2 || finished(j));
    expect(job.attempts).toBeGreaterThanOrEqual(2);
    expect(job.transitions.some((t) => t.note?.includes('wait:'))).toBe(false);
  }, 60_000);
});
