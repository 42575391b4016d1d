import { beforeAll, describe, expect, it } from 'vitest';
import ollamaNonstream from '../../../../shared/fixtures/engines/ollama.chat.nonstream.json?raw';
import ollamaChatStream from '../../../../shared/fixtures/engines/ollama.chat.stream.ndjson.txt?raw';
import pullError from '../../../../shared/fixtures/engines/ollama.pull.stream.error.ndjson.txt?raw';
import pullStream from '../../../../shared/fixtures/engines/ollama.pull.stream.ndjson.txt?raw';
import sglangOpenAiStream from '../../../../shared/fixtures/engines/sglang.chat.stream.include_usage.txt?raw';
import sglangNonstream from '../../../../shared/fixtures/engines/sglang.generate.nonstream.json?raw';
import sglangStream from '../../../../shared/fixtures/engines/sglang.generate.stream.txt?raw';
import tgiChatStream from '../../../../shared/fixtures/engines/tgi.chat.stream.include_usage.txt?raw';
import tgiNonstream from '../../../../shared/fixtures/engines/tgi.generate.nonstream.json?raw';
import tgiStream from '../../../../shared/fixtures/engines/tgi.generate_stream.txt?raw';
import type { EngineProtocol } from '../../../schemas/config.ts';
import { controlledStream, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedModel, seedPool } from '../helpers/seed.ts';
import { json, ndjson, pinnedChat, readChunks, sse } from './gateway-calls.ts';

/** TGI, Ollama and SGLang pools pinned with x-eco-pool, answered by mocked origins with fixture bytes. */

let admin: string;
const fast = { headersMs: 1000, firstTokenMs: 300, idleMs: 300, totalMs: 10_000 };
const PROTOCOLS = ['tgi', 'tgi-messages', 'ollama', 'sglang', 'sglang-openai'] as const;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  for (const protocol of PROTOCOLS) {
    await seedPool(
      {
        name: `a-${protocol}`,
        protocol,
        origins: [{ id: 'o1', url: `http://a-${protocol}.test`, capacity: 8, weight: 1 }],
        timeouts: fast,
        options: protocol === 'ollama' ? { pullIdleMs: 2000 } : {},
      },
      `a-model-${protocol}`,
    );
  }
});

const chat = (
  pool: EngineProtocol,
  stream: boolean,
  extra: Record<string, unknown> = {},
  model = `a-model-${pool}`,
) => pinnedChat(admin, `a-${pool}`, model, stream, extra);

describe('streams through the gateway, one per protocol', () => {
  const cases: [EngineProtocol, string, string, string, Record<string, unknown>][] = [
    [
      'tgi',
      '/generate_stream',
      tgiStream,
      ' for /api/',
      { prompt_tokens: 6, completion_tokens: 4, total_tokens: 10 },
    ],
    [
      'tgi-messages',
      '/v1/chat/completions',
      tgiChatStream,
      'OK!',
      { prompt_tokens: 39, completion_tokens: 3, total_tokens: 42 },
    ],
    [
      'ollama',
      '/api/chat',
      ollamaChatStream,
      'The sky',
      { prompt_tokens: 26, completion_tokens: 282, total_tokens: 308 },
    ],
    [
      'sglang',
      '/generate',
      sglangStream,
      ' Paris. It is',
      { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
    ],
    [
      'sglang-openai',
      '/v1/chat/completions',
      sglangOpenAiStream,
      'Paris.',
      { prompt_tokens: 30, completion_tokens: 3 },
    ],
  ];
  for (const [protocol, path, transcript, content, usage] of cases) {
    it(`${protocol}: ${path} normalized to OpenAI chunks with usage and [DONE]`, async () => {
      let seenPath = '';
      mockOrigin(`a-${protocol}.test`, (request) => {
        seenPath = new URL(request.url).pathname;
        return protocol === 'ollama' ? ndjson(transcript) : sse(transcript);
      });
      const res = await chat(protocol, true);
      expect(res.status).toBe(200);
      const text = await res.text();
      const out = readChunks(text);
      expect(seenPath).toBe(path);
      expect(out.content).toBe(content);
      expect(out.usage).toMatchObject(usage);
      expect(out.usage?.eco_estimated).toBeUndefined();
      expect(out.done).toBe(true);
      expect(text).toContain(`"model":"a-model-${protocol}"`);
    });
  }
});

describe('non-stream answers through the gateway', () => {
  it('tgi: /generate with an estimated, flagged prompt count', async () => {
    mockOrigin('a-tgi.test', () => json(tgiNonstream));
    const res = await chat('tgi', false);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      model: string;
      usage: Record<string, unknown>;
      choices: { finish_reason: string }[];
    };
    expect(body.model).toBe('a-model-tgi');
    expect(body.choices[0]!.finish_reason).toBe('length');
    expect(body.usage).toMatchObject({ completion_tokens: 10, eco_estimated: true });
  });

  it('sglang: /generate with reported usage', async () => {
    mockOrigin('a-sglang.test', () => json(sglangNonstream));
    const body = (await (await chat('sglang', false)).json()) as { usage: Record<string, unknown> };
    expect(body.usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: 32,
      total_tokens: 37,
      prompt_tokens_details: { cached_tokens: 2 },
    });
  });

  it('tgi: a 422 over-long prompt is the client’s 400, not retried', async () => {
    let calls = 0;
    mockOrigin('a-tgi.test', () => {
      calls++;
      return json(
        '{"error":"Input validation error: `inputs` must have less than 4096 tokens. Given: 5000","error_type":"validation"}',
        422,
      );
    });
    const res = await chat('tgi', false);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('context_length_exceeded');
    expect(calls).toBe(1);
  });
});

describe('stalls and cuts on native streams', () => {
  it('tgi: nothing before the time-to-first-token limit is a 504', async () => {
    mockOrigin('a-tgi.test', () => sse(controlledStream().stream));
    const res = await chat('tgi', true);
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('origin_timeout');
  });

  it('ollama: silence after the first token ends in a terminal SSE error, not [DONE]', async () => {
    mockOrigin('a-ollama.test', () => {
      const s = controlledStream();
      s.push(`${ollamaChatStream.split('\n')[0]}\n`);
      return ndjson(s.stream);
    });
    const res = await chat('ollama', true);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"content":"The"');
    expect(text).toMatch(/data: \{"error":\{"message":"[^"]*idle/);
    expect(text).not.toContain('[DONE]');
  });

  it('sglang: a body closed without [DONE] after output is a terminal error', async () => {
    const cut = sglangStream.slice(0, sglangStream.indexOf('data: [DONE]'));
    mockOrigin('a-sglang.test', () => sse(cut));
    const text = await (await chat('sglang', true)).text();
    expect(text).toContain('origin_stream_truncated');
    expect(text).not.toContain('data: [DONE]');
  });
});

describe('ollama pull on demand', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let n = 0;

  /**
   * A model of its own per test (pull state is per origin and model), on an origin that lacks it until
   * /api/pull has run. Bodies are built inside the handler: I/O objects belong to the request that made them.
   */
  async function pullingOrigin(pullBody: (state: { present: boolean; released: boolean }) => BodyInit) {
    const engineModel = `pull-test-${++n}:latest`;
    await seedModel(`a-pull-${n}`, [{ pool: 'a-ollama', engineModel }]);
    const state = {
      present: false,
      released: false,
      pulls: 0,
      chats: 0,
      pulled: [] as string[],
      model: `a-pull-${n}`,
    };
    mockOrigin('a-ollama.test', async (request) => {
      const path = new URL(request.url).pathname;
      const body = (await request.json()) as { model: string; stream?: boolean };
      if (path === '/api/pull') {
        state.pulls++;
        state.pulled.push(body.model);
        return ndjson(pullBody(state));
      }
      state.chats++;
      if (!state.present)
        return json(`{"error":"model \\"${engineModel}\\" not found, try pulling it first"}`, 404);
      return body.stream === false ? json(ollamaNonstream) : ndjson(ollamaChatStream);
    });
    return { state, engineModel };
  }

  /** Progress lines paced by the handler's own timers; `present` flips with the success line. */
  function pacedPull(lines: string[], everyMs: number, gate?: () => boolean) {
    const encoder = new TextEncoder();
    return (state: { present: boolean; released: boolean }) => {
      let i = 0;
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          while (gate && !gate()) await sleep(10);
          await sleep(everyMs);
          if (i < lines.length) {
            if (lines[i]!.includes('"success"')) state.present = true;
            controller.enqueue(encoder.encode(`${lines[i++]}\n`));
          } else controller.close();
        },
      });
    };
  }

  const progress = pullStream.split('\n').filter(Boolean);

  it('pulls a missing model once, then answers; the pull does not count against the first-token limit', async () => {
    // ~840 ms of progress against firstTokenMs 300: a pull is loading, not a stall.
    const { state, engineModel } = await pullingOrigin(pacedPull(progress, 120));
    const res = await chat('ollama', true, {}, state.model);
    expect(res.status).toBe(200);
    expect(readChunks(await res.text()).content).toBe('The sky');
    expect(state.pulls).toBe(1);
    expect(state.pulled).toEqual([engineModel]);
    expect(state.chats).toBe(2);
  });

  it('concurrent first requests cause exactly one pull', async () => {
    const { state } = await pullingOrigin((s) => pacedPull(progress, 5, () => s.released)(s));
    const requests = [
      chat('ollama', false, {}, state.model),
      chat('ollama', true, {}, state.model),
      chat('ollama', false, {}, state.model),
    ];
    // Every request reaches the origin and finds the model missing before the one pull may finish.
    for (let i = 0; i < 100 && state.chats < 3; i++) await sleep(20);
    expect(state.chats).toBe(3);
    state.released = true;
    const responses = await Promise.all(requests);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(state.pulls).toBe(1);
    expect(state.chats).toBe(6);
  });

  it('an error line after the pull’s 200 fails the request without pulling again', async () => {
    const { state } = await pullingOrigin(() => pullError);
    const res = await chat('ollama', false, {}, state.model);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.message).toContain('file does not exist');
    expect(state.pulls).toBe(1);
  });

  it('a pull stream that ends without success is a failed pull (retried within the pool budget)', async () => {
    const { state } = await pullingOrigin(() => progress.slice(0, 3).join('\n'));
    const res = await chat('ollama', false, {}, state.model);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('model_pull_failed');
    expect(state.pulls).toBe(2); // the seeded pool allows two attempts
  });
});
