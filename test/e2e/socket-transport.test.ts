import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { engineCalls, useInstantEmulator } from './helpers/engine-calls.ts';
import { clearFaults, emulatorDrained, setFault, until } from './helpers/stack.ts';

// A pool whose streamed calls reach the emulated vLLM origins over the gateway's own HTTP/1.1 client
// (`streamTransport: "socket"`), driven end to end with the official client.
const stack = inject('stack');
const client = new OpenAI({ baseURL: `${stack.gateway}/v1`, apiKey: stack.apiKey, maxRetries: 0 });
const POOL = 'socket-vllm';
const MODEL = 'socket-vllm-model';

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${stack.gateway}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

interface PoolState {
  inFlight: number;
  origins: { id: string; inFlight: number; breaker: { state: string } }[];
}
const poolState = async () =>
  ((await (await admin('GET', `/admin/pools/${POOL}`)).json()) as { state: PoolState }).state;

const streamText = async (extra: Record<string, unknown> = {}, signal?: AbortSignal) => {
  const stream = await client.chat.completions.create(
    { model: MODEL, max_tokens: 6, stream: true, messages: [{ role: 'user', content: 'hello' }], ...extra },
    signal ? { signal } : {},
  );
  let text = '';
  let usage: OpenAI.CompletionUsage | undefined;
  const roles: string[] = [];
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    if (chunk.choices[0]?.delta.role) roles.push(chunk.choices[0].delta.role);
    if (chunk.usage) usage = chunk.usage;
    expect(chunk.model).toBe(MODEL);
  }
  return { text, usage, roles };
};

beforeAll(async () => {
  const { origins } = (await (await fetch(`${stack.emulator}/_control/origins`)).json()) as {
    origins: { id: string; url: string }[];
  };
  const url = (id: string) => origins.find((o) => o.id === id)?.url;
  const pool = await admin('POST', '/admin/pools', {
    name: POOL,
    protocol: 'vllm',
    streamTransport: 'socket',
    origins: [
      { id: 'vllm-1', url: url('vllm-1'), capacity: 8 },
      { id: 'vllm-2', url: url('vllm-2'), capacity: 8 },
    ],
    health: { enabled: false },
    retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
    timeouts: { headersMs: 2000, firstTokenMs: 1000, idleMs: 1000, totalMs: 30_000 },
  });
  expect(pool.status, await pool.clone().text()).toBe(201);
  const model = await admin('POST', '/admin/models', {
    id: MODEL,
    routes: [{ pool: POOL, engineModel: 'meta-llama/Llama-3.1-8B-Instruct' }],
  });
  expect(model.status, await model.clone().text()).toBe(201);
});

afterEach(() => clearFaults(stack));

afterAll(async () => {
  await clearFaults(stack);
  await admin('DELETE', `/admin/models/${MODEL}`);
  await admin('DELETE', `/admin/pools/${POOL}`);
});

describe('streamed calls over the socket transport', () => {
  it('the pool says which transport it uses, and an admin can switch it', async () => {
    const transport = async () =>
      ((await (await admin('GET', `/admin/pools/${POOL}`)).json()) as { config: { streamTransport: string } })
        .config.streamTransport;
    expect(await transport()).toBe('socket');
    expect((await admin('PATCH', `/admin/pools/${POOL}`, { streamTransport: 'fetch' })).status).toBe(200);
    expect(await transport()).toBe('fetch');
    const bad = await admin('PATCH', `/admin/pools/${POOL}`, { streamTransport: 'carrier-pigeon' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe('streamTransport');
    expect((await admin('PATCH', `/admin/pools/${POOL}`, { streamTransport: 'socket' })).status).toBe(200);
    expect(await transport()).toBe('socket');
  });

  it('streams a completion with one role chunk, the usage chunk and the client’s model name', async () => {
    const { text, usage, roles } = await streamText({ stream_options: { include_usage: true } });
    expect(text.length).toBeGreaterThan(0);
    expect(roles).toEqual(['assistant']);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('non-stream calls of the same pool keep the runtime fetch and answer as usual', async () => {
    const answer = await client.chat.completions.create({
      model: MODEL,
      max_tokens: 4,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it('a stream cut before its first token is retried invisibly', async () => {
    await setFault(stack, { engine: 'vllm', mode: 'cut-mid', afterTokens: 0, count: 1 });
    const { text } = await streamText();
    expect(text.length).toBeGreaterThan(0);
  });

  it('an origin that refuses connections is failed over', async () => {
    await setFault(stack, { engine: 'vllm', origin: 'vllm-1', mode: 'refuse' });
    for (let i = 0; i < 4; i++) expect((await streamText()).text.length).toBeGreaterThan(0);
  });

  it('a stream cut after its first token ends with a terminal error event, not [DONE]', async () => {
    await setFault(stack, { engine: 'vllm', mode: 'cut-mid', afterTokens: 3 });
    const res = await fetch(`${stack.gateway}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"content"');
    expect(text).toMatch(
      /data: \{"error":\{"message":"The origin's stream broke[^"]*","type":"server_error"/,
    );
    expect(text).not.toContain('data: [DONE]');
  });

  it('a malformed frame after output ends the stream with an error event', async () => {
    await setFault(stack, { engine: 'vllm', mode: 'malformed', afterTokens: 2 });
    const err = await streamText().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
  });

  it('an origin that never sends a first token is a real 504 before anything is committed', async () => {
    await setFault(stack, { engine: 'vllm', mode: 'stall-first' });
    const err = await streamText().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
  });

  it('clients that leave mid-stream release their leases and end the origin’s generation', async () => {
    let chunks = 0;
    for (let i = 0; i < 24; i++) {
      const controller = new AbortController();
      const stream = await client.chat.completions.create(
        { model: MODEL, max_tokens: 400, stream: true, messages: [{ role: 'user', content: `n${i}` }] },
        { signal: controller.signal },
      );
      try {
        for await (const _ of stream) if (++chunks % 2 === 0) controller.abort();
      } catch {
        // the abort
      }
    }
    // Each stream stopped at its second chunk, far short of the answer.
    expect(chunks).toBe(48);
    const drained = await until(poolState, (s) => s.inFlight === 0, 10_000);
    for (const o of drained.origins) expect(o.breaker.state).toBe('closed');
    await emulatorDrained(stack, 'vllm-');
  });
});

describe('every engine protocol streams the same over sockets as over fetch', () => {
  // Instant generation: the origin bursts its events, so socket reads carry several events at once and
  // split them anywhere, which every engine's stream decoder must take in its stride.
  useInstantEmulator(stack);
  const copies: { pool: string; model: string }[] = [];

  beforeAll(async () => {
    const { data } = (await (await admin('GET', '/admin/pools')).json()) as {
      data: { config: { name: string; protocol: string } & Record<string, unknown> }[];
    };
    // The dev stack's pool per protocol is named after it; its model is `dev-<pool>`.
    for (const { config } of data.filter((p) => p.config.name === p.config.protocol)) {
      const route = (await (await admin('GET', `/admin/models/dev-${config.name}`)).json()) as {
        routes: { engineModel: string }[];
      };
      const pool = `over-socket-${config.name}`;
      const created = await admin('POST', '/admin/pools', {
        ...config,
        name: pool,
        streamTransport: 'socket',
      });
      expect(created.status, await created.clone().text()).toBe(201);
      const model = `${pool}-model`;
      const m = await admin('POST', '/admin/models', {
        id: model,
        routes: [{ pool, engineModel: route.routes[0]?.engineModel }],
      });
      expect(m.status, await m.clone().text()).toBe(201);
      copies.push({ pool, model });
    }
    // One copy per protocol the emulator speaks: none may be missed.
    const { origins } = (await (await fetch(`${stack.emulator}/_control/origins`)).json()) as {
      origins: { engine: string }[];
    };
    const protocols = copies.map((c) => c.pool.slice('over-socket-'.length)).sort();
    expect(protocols).toEqual([...new Set(origins.map((o) => o.engine))].sort());
    expect(protocols.length).toBe(12);
  });

  afterAll(async () => {
    for (const { pool, model } of copies) {
      await admin('DELETE', `/admin/models/${model}`);
      await admin('DELETE', `/admin/pools/${pool}`);
    }
  });

  it('text, finish reason and usage match for each protocol, for a short and a long answer', async () => {
    const { streamed } = engineCalls(stack);
    for (const { pool, model } of copies) {
      const protocol = pool.slice('over-socket-'.length);
      for (const maxTokens of [6, 300]) {
        const overFetch = await streamed(undefined, `dev-${protocol}`, maxTokens);
        const overSocket = await streamed(undefined, model, maxTokens);
        expect(overFetch.error, `${protocol} over fetch`).toBeUndefined();
        expect(overSocket.error, `${protocol} over sockets`).toBeUndefined();
        expect(overSocket.text.length, protocol).toBeGreaterThan(0);
        expect({ protocol, text: overSocket.text, finish: overSocket.finish }).toEqual({
          protocol,
          text: overFetch.text,
          finish: overFetch.finish,
        });
        expect(overSocket.usage?.completion_tokens, protocol).toBe(overFetch.usage?.completion_tokens);
      }
    }
  });
});
