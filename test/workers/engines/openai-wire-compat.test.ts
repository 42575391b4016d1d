import { describe, expect, it } from 'vitest';
import sglangStream from '../../../../shared/fixtures/engines/sglang.chat.stream.include_usage.txt?raw';
import { StreamIdentity } from '../../../origins/openai-compatible/stable-ids.ts';
import { adapterFor } from '../../../origins/registry.ts';
import type { EngineProtocol } from '../../../schemas/config.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import type { StreamDecoder, StreamEvent } from '../../../schemas/stream-events.ts';
import { ChunkEncoder } from '../../../workers/dispatch/chunk-encoder.ts';
import { ctx, pool } from './replay-b.ts';

/** What OpenAI clients read field by field, on the OpenAI-protocol engines. */

const utf8 = new TextEncoder();
const OPENAI_CHAT: EngineProtocol[] = [
  'vllm',
  'sglang-openai',
  'trtllm-serve',
  'lmdeploy-openai',
  'tgi-messages',
];

/** The relay as dispatch.ts drives it: the plain-content fast path once output has started (if `fast`). */
function relay(decoder: StreamDecoder, text: string, fast: boolean, object?: 'text_completion') {
  const encoder = new ChunkEncoder({
    ...(object ? { object } : {}),
    id: 'wire-gateway-id',
    model: 'wire-client-model',
    created: 1,
    includeUsage: true,
    promptEstimate: 3,
  });
  let out = '';
  let output = false;
  let plainTaken = 0;
  const run = (events: StreamEvent[]) => {
    for (const event of events) {
      if (event.kind === 'error') throw new Error(event.error.message);
      if (event.kind === 'end') {
        out += encoder.finish();
        return;
      }
      if (event.kind === 'chunk' && event.hasOutput) output = true;
      out += encoder.encode(event);
    }
  };
  for (const part of text.split(/(?<=\n\n)/).filter((p) => p.length > 0)) {
    const bytes = utf8.encode(part);
    const plain = fast && output ? decoder.plainContent?.(bytes) : undefined;
    if (plain !== undefined) {
      plainTaken++;
      out += encoder.plainContent(plain);
    } else run(decoder.push(bytes));
  }
  run(decoder.end());
  return { out, plainTaken };
}

/** The `id created` pairs of the SSE text's data objects, in order. */
function pairs(sse: string): string[] {
  return sse
    .split('\n\n')
    .filter((b) => b.startsWith('data: {'))
    .map((b) => {
      const chunk = JSON.parse(b.slice(6)) as { id: string; created: number };
      return `${chunk.id} ${chunk.created}`;
    });
}

/** Each event of the stream stamped with the next second, as SGLang's chat stream does. */
function crossingSeconds(text: string): string {
  let second = 1_755_000_000;
  return text.replace(/"created":1755000000/g, () => `"created":${second++}`);
}

describe('one id and created per relayed stream', () => {
  it('sglang-openai chat: chunks stamped with later seconds keep the first, on the fast path and off it', () => {
    const adapter = adapterFor('sglang-openai')!;
    for (const fast of [true, false]) {
      const { out, plainTaken } = relay(
        adapter.chatStream(ctx(pool('sglang-openai'))),
        crossingSeconds(sglangStream),
        fast,
      );
      if (fast) expect(plainTaken).toBeGreaterThan(0);
      const seen = pairs(out);
      expect(seen.length).toBeGreaterThanOrEqual(5);
      expect(new Set(seen)).toEqual(new Set(['a1b2c3d4e5f64789a0b1c2d3e4f5a6b7 1755000000']));
    }
  });

  const completion = (id: string, created: number, index: number, text: string, finish: string | null) =>
    `data: {"id":"${id}","object":"text_completion","created":${created},"model":"engine-model","choices":[{"index":${index},"text":"${text}","logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;

  for (const protocol of ['sglang-openai', 'trtllm-serve'] as const) {
    it(`${protocol} completions: chunks with their own ids and times keep the first pair`, () => {
      const stream =
        completion('cmpl-wire-a', 1_760_000_000, 0, 'One', null) +
        completion('cmpl-wire-b', 1_760_000_001, 0, ' two', null) +
        completion('cmpl-wire-c', 1_760_000_002, 0, ' three', null) +
        completion('cmpl-wire-d', 1_760_000_003, 0, '', 'stop') +
        'data: [DONE]\n\n';
      const exchange = adapterFor(protocol)!.completions!;
      for (const fast of [true, false]) {
        const { out } = relay(exchange.stream!(ctx(pool(protocol))), stream, fast, 'text_completion');
        const seen = pairs(out);
        expect(seen).toHaveLength(5);
        expect(new Set(seen)).toEqual(new Set(['cmpl-wire-a 1760000000']));
      }
    });
  }

  it("trtllm-serve: a tool call's own id is never taken for the chunk's", () => {
    const stream =
      'data: {"id":"chatcmpl-wire-1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n' +
      'data: {"object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_wire_9","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}\n\n' +
      'data: [DONE]\n\n';
    const { out } = relay(adapterFor('trtllm-serve')!.chatStream(ctx(pool('trtllm-serve'))), stream, true);
    expect(out).toContain('"id":"call_wire_9"');
  });

  it('a chunk that already carries the pair is passed on as it came; one that differs gets the pair', () => {
    const identity = new StreamIdentity();
    const first = '{"id": "wire-x","object":"chat.completion.chunk","created": 11,"choices":[]}';
    const same = 'data: {"id":"wire-x","created":11,"model":"m","choices":[{"delta":{"content":"a"}}]}\n\n';
    const later = 'data: {"id":"wire-y","created":12,"model":"m","choices":[{"delta":{"content":"b"}}]}\n\n';
    // The first pair is kept in compact form: it may be written into a one-line event.
    expect(identity.apply(first)).toBe(
      '{"id":"wire-x","object":"chat.completion.chunk","created":11,"choices":[]}',
    );
    expect(identity.apply(same)).toBe(same);
    expect(identity.apply(later)).toBe(
      'data: {"id":"wire-x","created":11,"model":"m","choices":[{"delta":{"content":"b"}}]}\n\n',
    );
  });
});

describe('developer messages on OpenAI-protocol engines', () => {
  const req = (): ChatCompletionRequest => ({
    model: 'wire-model',
    messages: [
      { role: 'developer', content: 'Answer in French.' },
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    ],
  });

  for (const protocol of OPENAI_CHAT) {
    it(`${protocol}: a developer message is sent as a system message`, () => {
      const sent = req();
      const built = adapterFor(protocol)!.buildChat(sent, ctx(pool(protocol), { stream: false }));
      const body = JSON.parse(built.body!) as { messages: { role: string; content: unknown }[] };
      expect(body.messages).toEqual([
        { role: 'system', content: 'Answer in French.' },
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      ]);
      // The client's request is left as it was (it is logged and may be retried on another pool).
      expect(sent.messages[0]?.role).toBe('developer');
    });
  }

  it('a pool whose models read the developer role themselves keeps it (options.developerRole keep)', () => {
    const built = adapterFor('vllm')!.buildChat(
      req(),
      ctx(pool('vllm', { developerRole: 'keep' }), { stream: false }),
    );
    const body = JSON.parse(built.body!) as { messages: { role: string }[] };
    expect(body.messages.map((m) => m.role)).toEqual(['developer', 'system', 'user']);
  });
});

describe('non-stream chat answers in OpenAI shape', () => {
  const answer = (message: Record<string, unknown>, logprobs: unknown) =>
    JSON.stringify({
      id: 'chatcmpl-wire',
      object: 'chat.completion',
      created: 3,
      model: 'engine-model',
      choices: [{ index: 0, message: { role: 'assistant', ...message }, logprobs, finish_reason: 'stop' }],
    });

  for (const protocol of ['vllm', 'sglang-openai', 'trtllm-serve'] as const) {
    it(`${protocol}: the message has refusal null when the engine leaves it out, and keeps the engine's`, () => {
      const decode = adapterFor(protocol)!.decodeChat;
      const call = ctx(pool(protocol), { stream: false });
      expect(decode(answer({ content: 'ok' }, null), call).choices[0]?.message).toEqual({
        role: 'assistant',
        content: 'ok',
        refusal: null,
      });
      expect(decode(answer({ content: null, refusal: 'I cannot.' }, null), call).choices[0]?.message).toEqual(
        {
          role: 'assistant',
          content: null,
          refusal: 'I cannot.',
        },
      );
    });
  }

  it('log-probability items carry bytes (UTF-8 of the token when the engine sent none) and refusal null', () => {
    const call = ctx(pool('vllm'), { stream: false });
    const logprobs = {
      content: [
        {
          token: 'é',
          logprob: -0.1,
          top_logprobs: [
            { token: 'é', logprob: -0.1 },
            { token: 'e', logprob: -2 },
          ],
        },
        {
          token: '!',
          logprob: -0.2,
          bytes: [33],
          top_logprobs: [{ token: '!', logprob: -0.2, bytes: [33] }],
        },
        { token: '?', logprob: -0.3 },
      ],
    };
    const out = adapterFor('vllm')!.decodeChat(answer({ content: 'é!?' }, logprobs), call);
    expect(out.choices[0]?.logprobs).toEqual({
      content: [
        {
          token: 'é',
          logprob: -0.1,
          bytes: [195, 169],
          top_logprobs: [
            { token: 'é', logprob: -0.1, bytes: [195, 169] },
            { token: 'e', logprob: -2, bytes: [101] },
          ],
        },
        {
          token: '!',
          logprob: -0.2,
          bytes: [33],
          top_logprobs: [{ token: '!', logprob: -0.2, bytes: [33] }],
        },
        { token: '?', logprob: -0.3, bytes: [63], top_logprobs: [] },
      ],
      refusal: null,
    });
  });
});

describe('non-stream completions finish reasons', () => {
  const body = (finish: string) =>
    JSON.stringify({
      id: 'cmpl-wire',
      object: 'text_completion',
      created: 4,
      model: 'engine-model',
      choices: [{ index: 0, text: 'done', logprobs: null, finish_reason: finish }],
    });

  for (const protocol of ['vllm', 'sglang-openai', 'trtllm-serve'] as const) {
    it(`${protocol}: a value outside OpenAI's completion set is stop; failures stay errors`, () => {
      const exchange = adapterFor(protocol)!.completions!;
      const call = ctx(pool(protocol), { stream: false });
      exchange.build({ model: 'wire-model', prompt: 'Say done' }, call);
      const finish = (reason: string) =>
        (exchange.decode(body(reason), call).choices as { finish_reason: unknown }[])[0]?.finish_reason;
      expect(finish('eos_token')).toBe('stop');
      expect(finish('timeout')).toBe('stop');
      expect(finish('tool_calls')).toBe('stop');
      expect(finish('length')).toBe('length');
      expect(finish('content_filter')).toBe('content_filter');
      expect(() => exchange.decode(body('abort'), call)).toThrow(
        expect.objectContaining({ status: 502, code: 'origin_error' }),
      );
    });
  }
});

describe('embeddings dimensions', () => {
  const vectors = (length: number, count = 1) =>
    Array.from({ length: count }, () => Array.from({ length }, (_, i) => i / 10));
  const openAiBody = (data: unknown[]) =>
    JSON.stringify({
      object: 'list',
      data: data.map((embedding, index) => ({ object: 'embedding', index, embedding })),
      model: 'engine-model',
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
  const base64Of = (length: number) =>
    btoa(String.fromCharCode(...new Uint8Array(new Float32Array(length).buffer)));

  for (const protocol of ['vllm', 'sglang-openai'] as const) {
    it(`${protocol}: vectors of another length than asked are a 400 naming dimensions`, () => {
      const exchange = adapterFor(protocol)!.embeddings!;
      const call = ctx(pool(protocol), { stream: false });
      exchange.build({ model: 'wire-embed', input: ['a', 'b'], dimensions: 4 }, call);
      expect(() => exchange.decode(openAiBody(vectors(8, 2)), call)).toThrow(
        expect.objectContaining({ status: 400, code: 'unsupported_parameter', param: 'dimensions' }),
      );
      // An engine that encodes base64 itself is measured from the bytes.
      expect(() => exchange.decode(openAiBody([base64Of(8), base64Of(8)]), call)).toThrow(
        expect.objectContaining({ status: 400, param: 'dimensions' }),
      );
      expect(exchange.decode(openAiBody([base64Of(4), base64Of(4)]), call).data).toHaveLength(2);
      const ok = exchange.decode(openAiBody(vectors(4, 2)), call);
      expect((ok.data as { embedding: number[] }[]).map((d) => d.embedding.length)).toEqual([4, 4]);
    });

    it(`${protocol}: without dimensions any length is the model's own`, () => {
      const exchange = adapterFor(protocol)!.embeddings!;
      const call = ctx(pool(protocol), { stream: false });
      exchange.build({ model: 'wire-embed', input: 'a' }, call);
      expect(exchange.decode(openAiBody(vectors(8)), call).data).toHaveLength(1);
    });
  }

  it('ollama: a release that ignores dimensions answers full vectors, which is a 400 naming dimensions', () => {
    const exchange = adapterFor('ollama')!.embeddings!;
    const call = ctx(pool('ollama'), { stream: false });
    const built = exchange.build({ model: 'wire-embed', input: ['a'], dimensions: 3 }, call);
    expect(JSON.parse(built.body!)).toMatchObject({ dimensions: 3 });
    expect(() =>
      exchange.decode(JSON.stringify({ embeddings: vectors(6), prompt_eval_count: 1 }), call),
    ).toThrow(expect.objectContaining({ status: 400, code: 'unsupported_parameter', param: 'dimensions' }));
    const ok = exchange.decode(JSON.stringify({ embeddings: vectors(3), prompt_eval_count: 1 }), call);
    expect(ok.data).toHaveLength(1);
  });
});
