import { beforeAll, describe, expect, it } from 'vitest';
import miiOpenAiStream from '../../../../shared/fixtures/engines/deepspeed-mii.openai-chat.stream.txt?raw';
import miiRest from '../../../../shared/fixtures/engines/deepspeed-mii.restful.nonstream.json?raw';
import lmChatStream from '../../../../shared/fixtures/engines/lmdeploy.chat.stream.include_usage.txt?raw';
import lmGenNonstream from '../../../../shared/fixtures/engines/lmdeploy.generate.nonstream.json?raw';
import lmGenStream from '../../../../shared/fixtures/engines/lmdeploy.generate.stream.txt?raw';
import tritonNonstream from '../../../../shared/fixtures/engines/triton-trtllm.generate.nonstream.json?raw';
import tritonStream from '../../../../shared/fixtures/engines/triton-trtllm.generate_stream.txt?raw';
import trtStream from '../../../../shared/fixtures/engines/trtllm-serve.chat.stream.txt?raw';
import trtValidation from '../../../../shared/fixtures/engines/trtllm-serve.error.validation.json?raw';
import type { EngineProtocol } from '../../../schemas/config.ts';
import { controlledStream, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { json, pinnedChat, pinnedCompletion, readChunks, readTextChunks, sse } from './gateway-calls.ts';

/** The six TensorRT-LLM, DeepSpeed-MII and LMDeploy pools, pinned with x-eco-pool through the gateway. */

let admin: string;
const fast = { headersMs: 1000, firstTokenMs: 300, idleMs: 300, totalMs: 5000 };

async function pool(name: EngineProtocol) {
  await seedPool(
    {
      name: `b-${name}`,
      protocol: name,
      origins: [{ id: 'o1', url: `http://${name}.test`, capacity: 8, weight: 1 }],
      timeouts: fast,
    },
    `b-model-${name}`,
  );
}

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  for (const p of [
    'trtllm-serve',
    'triton-trtllm',
    'deepspeed-mii',
    'deepspeed-mii-openai',
    'lmdeploy',
    'lmdeploy-openai',
  ] as const) {
    await pool(p);
  }
});

const chat = (pool: EngineProtocol, stream: boolean, extra: Record<string, unknown> = {}) =>
  pinnedChat(admin, `b-${pool}`, `b-model-${pool}`, stream, extra);

const cases: {
  pool: EngineProtocol;
  path: string;
  stream: string;
  text: string;
  estimated: boolean;
}[] = [
  {
    pool: 'trtllm-serve',
    path: '/v1/chat/completions',
    stream: trtStream,
    text: 'New York',
    estimated: false,
  },
  {
    pool: 'triton-trtllm',
    path: '/v2/models/ensemble/generate_stream',
    stream: tritonStream,
    text: '**\nTo count',
    estimated: true,
  },
  {
    pool: 'deepspeed-mii',
    path: '/mii/b-model-deepspeed-mii-engine',
    stream: miiRest,
    text: ' a deep learning optimization library that makes distributed training easy.',
    estimated: false,
  },
  {
    pool: 'deepspeed-mii-openai',
    path: '/v1/chat/completions',
    stream: miiOpenAiStream,
    text: ' DeepSpeed is',
    estimated: true,
  },
  { pool: 'lmdeploy', path: '/generate', stream: lmGenStream, text: ' Paris.', estimated: false },
  {
    pool: 'lmdeploy-openai',
    path: '/v1/chat/completions',
    stream: lmChatStream,
    text: 'Hello!',
    estimated: false,
  },
];

describe('streams through the gateway in each engine’s own protocol', () => {
  for (const c of cases) {
    it(`${c.pool}: streams the fixture as OpenAI chunks ending in [DONE]`, async () => {
      let path = '';
      mockOrigin(`${c.pool}.test`, (req) => {
        path = new URL(req.url).pathname;
        return c.pool === 'deepspeed-mii' ? json(c.stream) : sse(c.stream);
      });
      const res = await chat(c.pool, true);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(path).toBe(c.path);
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
      const out = readChunks(text);
      expect(out.content).toBe(c.text);
      expect(out.finish).toBeDefined();
      expect(out.usage?.eco_estimated === true).toBe(c.estimated);
      expect(text).toContain(`"model":"b-model-${c.pool}"`);
    });
  }
});

describe('non-stream answers', () => {
  it('triton-trtllm: text_output with estimated usage', async () => {
    mockOrigin('triton-trtllm.test', () => json(tritonNonstream));
    const res = await chat('triton-trtllm', false);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      choices: { message: { content: string } }[];
      usage: Record<string, unknown>;
    };
    expect(body.choices[0]?.message.content).toContain('Machine learning');
    expect(body.usage.eco_estimated).toBe(true);
  });

  it('lmdeploy: reported usage, client model', async () => {
    mockOrigin('lmdeploy.test', () => json(lmGenNonstream));
    const res = await chat('lmdeploy', false);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      model: 'b-model-lmdeploy',
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    });
  });
});

describe('errors and failures', () => {
  it('trtllm-serve validation error is a client 400 that is not retried', async () => {
    let calls = 0;
    mockOrigin('trtllm-serve.test', () => {
      calls++;
      return json(trtValidation, 400);
    });
    const res = await chat('trtllm-serve', false);
    expect(res.status).toBe(400);
    expect(calls).toBe(1);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe('invalid_request_error');
  });

  it('lmdeploy 503 answers 503 with Retry-After after the retry budget', async () => {
    mockOrigin(
      'lmdeploy.test',
      () =>
        new Response(
          '{"message":"engine unavailable","type":"server_error","code":503,"param":null,"object":"error"}',
          {
            status: 503,
            headers: { 'content-type': 'application/json', 'retry-after': '0' },
          },
        ),
    );
    const res = await chat('lmdeploy', false);
    expect(res.status).toBe(503);
  });

  it('tools on a prompt-only engine answer a 400 naming it', async () => {
    mockOrigin('deepspeed-mii.test', () => json(miiRest));
    const res = await chat('deepspeed-mii', false, {
      tools: [{ type: 'function', function: { name: 'f' } }],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('DeepSpeed-MII');
  });

  it('triton: an origin that never sends its first token times out with 504', async () => {
    const streams: ReturnType<typeof controlledStream>[] = [];
    mockOrigin('triton-trtllm.test', () => {
      const stalled = controlledStream();
      streams.push(stalled);
      return sse(stalled.stream);
    });
    const res = await chat('triton-trtllm', true);
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('origin_timeout');
    expect(streams.length).toBeGreaterThanOrEqual(1);
  });

  it('triton: a connection broken after the first token ends in a terminal SSE error, not [DONE]', async () => {
    const encoder = new TextEncoder();
    const first = tritonStream.split('\n\n')[1];
    mockOrigin('triton-trtllm.test', () =>
      sse(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(encoder.encode(`${first}\n\n`));
          },
          pull(controller) {
            controller.error(new Error('connection reset'));
          },
        }),
      ),
    );
    const res = await chat('triton-trtllm', true);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('To');
    expect(text).toMatch(/data: \{"error":/);
    expect(text).not.toContain('data: [DONE]');
  });

  it('lmdeploy-openai: a stream closed without [DONE] ends in origin_stream_truncated', async () => {
    mockOrigin('lmdeploy-openai.test', () =>
      sse(lmChatStream.slice(0, lmChatStream.indexOf('data: [DONE]'))),
    );
    const text = await (await chat('lmdeploy-openai', true)).text();
    expect(text).toContain('origin_stream_truncated');
    expect(text).not.toContain('data: [DONE]');
  });
});

const completion = (pool: EngineProtocol, stream: boolean, extra: Record<string, unknown> = {}) =>
  pinnedCompletion(admin, `b-${pool}`, `b-model-${pool}`, stream, extra);

describe('/v1/completions on the prompt-only native engines', () => {
  const native: {
    pool: EngineProtocol;
    path: string;
    streamPath: string;
    stream: string;
    nonstream: string;
    text: string;
    estimated: boolean;
  }[] = [
    {
      pool: 'triton-trtllm',
      path: '/v2/models/ensemble/generate',
      streamPath: '/v2/models/ensemble/generate_stream',
      stream: tritonStream,
      nonstream: tritonNonstream,
      text: '**\nTo count',
      estimated: true,
    },
    {
      pool: 'deepspeed-mii',
      path: '/mii/b-model-deepspeed-mii-engine',
      streamPath: '/mii/b-model-deepspeed-mii-engine',
      stream: miiRest,
      nonstream: miiRest,
      text: ' a deep learning optimization library that makes distributed training easy.',
      estimated: false,
    },
    {
      pool: 'lmdeploy',
      path: '/generate',
      streamPath: '/generate',
      stream: lmGenStream,
      nonstream: lmGenNonstream,
      text: ' Paris.',
      estimated: false,
    },
  ];

  for (const c of native) {
    it(`${c.pool}: a text_completion for the raw prompt, with the client's model`, async () => {
      let sent: { path: string; body: string } | undefined;
      mockOrigin(`${c.pool}.test`, async (req) => {
        sent = { path: new URL(req.url).pathname, body: await req.text() };
        return json(c.nonstream);
      });
      const res = await completion(c.pool, false);
      expect(res.status).toBe(200);
      expect(sent?.path).toBe(c.path);
      // The prompt goes out as written: no chat template around it.
      expect(sent?.body).toContain('"Once upon a time"');
      expect(sent?.body).not.toContain('<|im_start|>');
      const body = (await res.json()) as {
        object: string;
        model: string;
        choices: { text: string; finish_reason: string }[];
        usage: Record<string, unknown>;
      };
      expect(body.object).toBe('text_completion');
      expect(body.model).toBe(`b-model-${c.pool}`);
      expect(typeof body.choices[0]?.text).toBe('string');
      expect(['stop', 'length']).toContain(body.choices[0]?.finish_reason);
      expect(body.usage.eco_estimated === true).toBe(c.estimated);
    });

    it(`${c.pool}: a streamed completion as text_completion chunks ending in [DONE]`, async () => {
      let path = '';
      mockOrigin(`${c.pool}.test`, (req) => {
        path = new URL(req.url).pathname;
        return c.pool === 'deepspeed-mii' ? json(c.stream) : sse(c.stream);
      });
      const res = await completion(c.pool, true);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(path).toBe(c.streamPath);
      const out = readTextChunks(text);
      expect(out.done).toBe(true);
      expect(out.objects).toEqual(['text_completion']);
      expect(out.content).toBe(c.text);
      expect(out.finish).toBeDefined();
      expect(out.usage?.eco_estimated === true).toBe(c.estimated);
      expect(text).toContain(`"model":"b-model-${c.pool}"`);
    });

    it(`${c.pool}: several prompts answer a 400 naming the engine, without calling it`, async () => {
      let calls = 0;
      mockOrigin(`${c.pool}.test`, () => {
        calls++;
        return json(c.nonstream);
      });
      const res = await completion(c.pool, false, { prompt: ['one', 'two'] });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { param: string; message: string } };
      expect(body.error.param).toBe('prompt');
      expect(calls).toBe(0);
    });
  }

  it('lmdeploy: a completion stream cut before [DONE] ends in a terminal SSE error', async () => {
    mockOrigin('lmdeploy.test', () => sse(lmGenStream.slice(0, lmGenStream.indexOf('data: [DONE]'))));
    const text = await (await completion('lmdeploy', true)).text();
    expect(text).toContain('origin_stream_truncated');
    expect(text).not.toContain('data: [DONE]');
  });

  it('deepspeed-mii: a shapeless answer is a 502, not a 200', async () => {
    mockOrigin('deepspeed-mii.test', () => json('{"message":"x"}'));
    const res = await completion('deepspeed-mii', false);
    expect(res.status).toBe(502);
  });
});
