import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { clearFaults, emulatorDrained, setFault, until } from './helpers/stack.ts';

const stack = inject('stack');
const client = new OpenAI({ baseURL: `${stack.gateway}/v1`, apiKey: stack.apiKey, maxRetries: 0 });
const ENGINE_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

interface OriginState {
  id: string;
  inFlight: number;
  breaker: { state: string; lastReason: string };
  outcomes: Record<string, number>;
}
interface PoolState {
  status: string;
  inFlight: number;
  queue: { depth: number; byClass: Record<string, number> };
  origins: OriginState[];
}

let urls: Record<string, string> = {};
const created: { pools: string[]; models: string[] } = { pools: [], models: [] };

async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.gateway}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function createPool(
  name: string,
  origins: { id: string; capacity: number }[],
  extra: Record<string, unknown> = {},
) {
  const res = await admin('POST', '/admin/pools', {
    name,
    protocol: 'vllm',
    origins: origins.map((o) => ({ id: o.id, url: urls[o.id], capacity: o.capacity })),
    timeouts: { headersMs: 3000, firstTokenMs: 3000, idleMs: 3000, totalMs: 60_000 },
    ...extra,
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  created.pools.push(name);
  const model = `${name}-model`;
  const m = await admin('POST', '/admin/models', {
    id: model,
    routes: [{ pool: name, engineModel: ENGINE_MODEL }],
  });
  expect(m.status, await m.clone().text()).toBe(201);
  created.models.push(model);
  return model;
}

async function poolState(name: string): Promise<PoolState> {
  const res = await admin('GET', `/admin/pools/${name}`);
  return ((await res.json()) as { state: PoolState }).state;
}

const ask = (model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  client.chat.completions.create(
    { model, max_tokens: 4, messages: [{ role: 'user', content: 'hello' }], ...extra },
    { headers },
  ) as unknown as Promise<AsyncIterable<OpenAI.ChatCompletionChunk>>;

beforeAll(async () => {
  const res = await fetch(`${stack.emulator}/_control/origins`);
  const { origins } = (await res.json()) as { origins: { id: string; url: string }[] };
  urls = Object.fromEntries(origins.map((o) => [o.id, o.url]));
  expect(urls['vllm-1']).toBeDefined();
  expect(urls['vllm-2']).toBeDefined();
});

afterEach(() => clearFaults(stack));

afterAll(async () => {
  await clearFaults(stack);
  for (const m of created.models) await admin('DELETE', `/admin/models/${m}`);
  for (const p of created.pools) await admin('DELETE', `/admin/pools/${p}`);
});

describe('pools under chaos', () => {
  // (`refuse` only hits new connections, and the runtime keeps pooled ones to the emulator alive, so
  // the dead origin here answers 500s, or accepts and never sends a first token.)
  for (const fault of [
    { name: 'status', spec: { mode: 'status', status: 500 } },
    { name: 'stall', spec: { mode: 'stall-first' } },
  ]) {
    it(`an origin that dies (${fault.name}) loses its traffic within a bounded number of failures, and half-open trials close it after recovery`, async () => {
      const pool = `chaos-dead-${fault.name}`;
      const model = await createPool(
        pool,
        [
          { id: 'vllm-1', capacity: 8 },
          { id: 'vllm-2', capacity: 8 },
        ],
        {
          // No retries: every failure the breaker lets through reaches the client and is counted here.
          retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
          breaker: { consecutiveFailures: 3, cooldownMs: 1000, halfOpenProbes: 1, successesToClose: 2 },
          health: { enabled: false },
          timeouts: { headersMs: 1000, firstTokenMs: 500, idleMs: 500, totalMs: 60_000 },
        },
      );
      await setFault(stack, { engine: 'vllm', origin: 'vllm-1', ...fault.spec });
      let failures = 0;
      const failedAt: number[] = [];
      const loopStarted = Date.now();
      for (let i = 0; i < 30; i++) {
        try {
          // Streams, so a stall before the first token meets the first-token timeout.
          const stream = await ask(model, { stream: true });
          for await (const _ of stream) {
            // drain
          }
        } catch (err) {
          expect(err).toBeInstanceOf(OpenAI.APIError);
          failures++;
          failedAt.push(i);
        }
      }
      // Three failures open the circuit; after that the dead origin only sees one half-open trial
      // per cooldown (1 s, doubling), never the regular traffic.
      expect(failedAt.slice(0, 3)).toEqual([0, 1, 2]);
      const cooldowns = Math.floor((Date.now() - loopStarted) / 1000) + 1;
      expect(failures).toBeLessThanOrEqual(3 + cooldowns);
      const open = await poolState(pool);
      expect(open.origins.find((o) => o.id === 'vllm-1')?.breaker.state).toBe('open');
      expect(open.status).toBe('partial');

      await clearFaults(stack);
      // The alarm moves it to half-open after the cooldown, without any traffic.
      await until(
        () => poolState(pool),
        (s) => s.origins.find((o) => o.id === 'vllm-1')?.breaker.state === 'half_open',
        10_000,
      );
      for (let i = 0; i < 4; i++) await ask(model);
      const closed = await poolState(pool);
      const o1 = closed.origins.find((o) => o.id === 'vllm-1')!;
      expect(o1.breaker.state).toBe('closed');
      expect(o1.outcomes.success).toBeGreaterThanOrEqual(2);
      expect(closed.status).toBe('ok');
    });
  }

  it('with retries on, a dead origin costs the client nothing: every request succeeds', async () => {
    const model = await createPool(
      'chaos-retry',
      [
        { id: 'vllm-1', capacity: 8 },
        { id: 'vllm-2', capacity: 8 },
      ],
      { retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 }, health: { enabled: false } },
    );
    await setFault(stack, { engine: 'vllm', origin: 'vllm-1', mode: 'status', status: 503 });
    for (let i = 0; i < 10; i++) {
      const stream = await ask(model, { stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text.length).toBeGreaterThan(0);
    }
  });

  it('overload: the queue serves high before normal before low, and sheds low first with a Retry-After', async () => {
    const model = await createPool('chaos-prio', [{ id: 'vllm-1', capacity: 1 }], {
      queue: { maxDepth: 4, maxWaitMs: 30_000 },
      health: { enabled: false },
    });
    const done: string[] = [];
    const send = (label: string, priority: string, maxTokens: number) =>
      ask(model, { max_tokens: maxTokens }, { 'x-eco-priority': priority }).then(
        () => {
          done.push(label);
          return 'ok' as const;
        },
        (err: unknown) => err as InstanceType<typeof OpenAI.APIError>,
      );
    // The first request holds the only slot for a while (its origin answers late).
    await setFault(stack, { engine: 'vllm', origin: 'vllm-1', mode: 'latency', delayMs: 1500, count: 1 });
    const blocker = send('blocker', 'normal', 2);
    await until(
      () => poolState('chaos-prio'),
      (s) => s.inFlight === 1,
      5000,
    );
    const lows = [send('low-1', 'low', 2), send('low-2', 'low', 2), send('low-3', 'low', 2)];
    await until(
      () => poolState('chaos-prio'),
      (s) => s.queue.byClass.low === 3,
      5000,
    );
    const highs = [send('high-1', 'high', 2), send('high-2', 'high', 2)];
    await until(
      () => poolState('chaos-prio'),
      (s) => s.queue.byClass.high === 2,
      5000,
    );
    const normal = send('normal-1', 'normal', 2);
    const results = await Promise.all([blocker, ...lows, ...highs, normal]);
    const shed = results.filter((r) => r !== 'ok') as InstanceType<typeof OpenAI.APIError>[];
    // Queue of 4: three lows and two highs make one low shed, the normal one sheds another.
    expect(shed).toHaveLength(2);
    for (const err of shed) {
      expect(err.status).toBe(429);
      expect(err.code).toBe('request_shed');
      expect(Number(err.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Only one low survived, and it ran last; the highs ran before the normal one.
    expect(done).toEqual(['blocker', 'high-1', 'high-2', 'normal-1', expect.stringMatching(/^low-/)]);
  });

  it('no lease leaks: after many streams with random client aborts, in-flight returns to zero well before the lease TTL', async () => {
    const model = await createPool(
      'chaos-leak',
      [
        { id: 'vllm-1', capacity: 8 },
        { id: 'vllm-2', capacity: 8 },
      ],
      { health: { enabled: false } },
    );
    const total = 300;
    let next = 0;
    let aborted = 0;
    let completed = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const controller = new AbortController();
        const abortAfter = i % 3 === 0 ? undefined : Math.floor(Math.random() * 120);
        const timer = abortAfter === undefined ? undefined : setTimeout(() => controller.abort(), abortAfter);
        try {
          const stream = await client.chat.completions.create(
            { model, max_tokens: 8, stream: true, messages: [{ role: 'user', content: `n${i}` }] },
            { signal: controller.signal },
          );
          for await (const _ of stream) {
            // read until the end or the abort
          }
          completed++;
        } catch {
          aborted++;
        } finally {
          clearTimeout(timer);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(aborted).toBeGreaterThan(0);
    expect(completed).toBeGreaterThan(0);
    // Drained within 20 s, long before any lease's TTL (60 s + 30 s) could have expired a leaked one.
    const drained = await until(
      () => poolState('chaos-leak'),
      (s) => s.inFlight === 0,
      20_000,
    );
    expect(drained.queue.depth).toBe(0);
    for (const o of drained.origins) {
      expect(o.inFlight).toBe(0);
      expect(o.breaker.state).toBe('closed'); // client aborts never trip a breaker
    }
    // The origins saw every aborted request end too (the origin fetch was cancelled, not left running).
    await emulatorDrained(stack, 'vllm-');
  });

  it('/metrics reports the pool series aggregated in the pool objects', async () => {
    const res = await fetch(`${stack.gateway}/metrics`, {
      headers: { authorization: `Bearer ${stack.apiKey}` },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(
      /eco_pool_origin_requests_total\{pool="chaos-leak",origin="vllm-\d",outcome="success"\} \d+/,
    );
    expect(text).toMatch(
      /eco_pool_origin_breaker_state\{pool="chaos-dead-status",origin="vllm-1",state="closed"\} 1/,
    );
  });
});
