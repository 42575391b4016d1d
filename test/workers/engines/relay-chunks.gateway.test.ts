import { beforeAll, describe, expect, it } from 'vitest';
import vllmStream from '../../../../shared/fixtures/engines/vllm.chat.stream.txt?raw';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { json, pinnedChat, sse } from './gateway-calls.ts';

/** A vLLM pool through the gateway: usage on a content chunk, one id per stream, 200 error bodies. */

let admin: string;
const fast = { headersMs: 1000, firstTokenMs: 300, idleMs: 300, totalMs: 5000 };

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  await seedPool(
    {
      name: 'r-vllm',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: 'http://r-vllm.test', capacity: 8, weight: 1 }],
      timeouts: fast,
    },
    'r-model-vllm',
  );
});

const chat = (stream: boolean, extra: Record<string, unknown> = {}) =>
  pinnedChat(admin, 'r-vllm', 'r-model-vllm', stream, extra);

const USAGE = { prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 };
const head =
  '{"id":"chatcmpl-engine","object":"chat.completion.chunk","created":1753616032,"model":"Qwen/Qwen3"';
const usageOnLastChunk = [
  `data: ${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n`,
  `data: ${head},"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n`,
  `data: ${head},"choices":[{"index":0,"delta":{"content":"!"},"finish_reason":"stop"}],"usage":${JSON.stringify(USAGE)}}\n\n`,
  'data: [DONE]\n\n',
].join('');

function chunks(text: string): Record<string, unknown>[] {
  return text
    .split('\n\n')
    .filter((b) => b.startsWith('data: {'))
    .map((b) => JSON.parse(b.slice(6)) as Record<string, unknown>);
}

describe('relayed vLLM streams through the gateway', () => {
  it('usage on the last content chunk: one usage chunk, the real numbers, when the client asked', async () => {
    mockOrigin('r-vllm.test', () => sse(usageOnLastChunk));
    const res = await chat(true);
    expect(res.status).toBe(200);
    const out = chunks(await res.text());
    const withUsage = out.filter((c) => c.usage != null);
    expect(withUsage).toEqual([expect.objectContaining({ choices: [], usage: USAGE })]);
    expect(out.at(-2)).toMatchObject({ choices: [{ delta: { content: '!' }, finish_reason: 'stop' }] });
    expect(new Set(out.map((c) => c.id))).toEqual(new Set(['chatcmpl-engine']));
  });

  it('usage on the last content chunk: no usage at all when the client did not ask', async () => {
    mockOrigin('r-vllm.test', () => sse(usageOnLastChunk));
    const res = await chat(true, { stream_options: { include_usage: false } });
    const text = await res.text();
    const out = chunks(text);
    expect(out.some((c) => 'usage' in c)).toBe(false);
    expect(out.at(-1)).toMatchObject({ choices: [{ delta: { content: '!' }, finish_reason: 'stop' }] });
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it("the gateway's estimated usage chunk has the id of the engine's chunks", async () => {
    mockOrigin('r-vllm.test', () => sse(vllmStream));
    const out = chunks(await (await chat(true)).text());
    expect(out.at(-1)?.usage).toMatchObject({ eco_estimated: true });
    expect(new Set(out.map((c) => c.id))).toEqual(new Set(['chatcmpl-dc461701bc424bac9de697c529922071']));
  });

  it('a reasoning delta reaches the client as reasoning_content', async () => {
    const text = [
      `data: ${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n`,
      `data: ${head},"choices":[{"index":0,"delta":{"reasoning":"think"},"finish_reason":null}]}\n\n`,
      `data: ${head},"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}\n\n`,
      'data: [DONE]\n\n',
    ].join('');
    mockOrigin('r-vllm.test', () => sse(text));
    const out = chunks(await (await chat(true)).text());
    expect(out[1]).toMatchObject({ choices: [{ delta: { reasoning_content: 'think' } }] });
    expect(JSON.stringify(out)).not.toContain('"reasoning"');
  });

  it("a non-stream 200 that is an error object is a 502 with the engine's message", async () => {
    mockOrigin('r-vllm.test', () =>
      json('{"object":"error","message":"The engine\\u0000died","type":"InternalServerError","code":500}'),
    );
    const res = await chat(false);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('origin_error');
    expect(body.error.message).toContain('The engine died');
  });
});
