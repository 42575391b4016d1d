import { exports } from 'cloudflare:workers';
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

function chat(pool: EngineProtocol, stream: boolean, extra: Record<string, unknown> = {}) {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${admin}`,
      'content-type': 'application/json',
      'x-eco-pool': `b-${pool}`,
    },
    body: JSON.stringify({
      model: `b-model-${pool}`,
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello' },
      ],
      ...extra,
    }),
  });
}

const sse = (body: string | ReadableStream<Uint8Array>, status = 200) =>
  new Response(body, { status, headers: { 'content-type': 'text/event-stream' } });
const json = (body: string, status = 200) =>
  new Response(body, { status, headers: { 'content-type': 'application/json' } });

/** Content and the usage chunk from the gateway's SSE text. */
function read(text: string) {
  let content = '';
  let usage: Record<string, unknown> | undefined;
  let finish: string | undefined;
  for (const block of text.split('\n\n')) {
    if (!block.startsWith('data: {')) continue;
    const chunk = JSON.parse(block.slice(6));
    content += chunk.choices?.[0]?.delta?.content ?? '';
    finish = chunk.choices?.[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  return { content, usage, finish };
}

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
      const out = read(text);
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
