import { describe, expect, it } from 'vitest';
import errorJson from '../../../../shared/fixtures/engines/triton.error.json?raw';
import nonstream from '../../../../shared/fixtures/engines/triton-trtllm.generate.nonstream.json?raw';
import midError from '../../../../shared/fixtures/engines/triton-trtllm.generate_stream.error-midstream.txt?raw';
import streamText from '../../../../shared/fixtures/engines/triton-trtllm.generate_stream.txt?raw';
import { tritonAdapter as adapter } from '../../../origins/trtllm/index.ts';
import type { CallContext } from '../../../origins/types.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import {
  assertSplitInvariant,
  clientText,
  ctx,
  encoded,
  merged,
  pool,
  replay,
  textChunks,
} from './replay-b.ts';

const p = pool('triton-trtllm');
const req = (over: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'count' },
  ],
  max_tokens: 8,
  ...over,
});

/** A call context that went through buildChat first, as the gateway does. */
function built(over: Partial<CallContext> = {}, r = req(), options: Record<string, unknown> = {}) {
  const c = ctx(pool('triton-trtllm', options), over);
  const request = adapter.buildChat(r, c);
  return { c, request, body: JSON.parse(request.body ?? '{}') as Record<string, unknown> };
}

describe('Triton generate_stream conformance', () => {
  it('decodes deltas, drops the end token, derives stop and estimates usage', () => {
    const { c } = built();
    const events = replay(adapter.chatStream(c), streamText);
    expect(merged(events)).toEqual([
      { kind: 'delta', content: '**\nTo count' },
      { kind: 'finish', reason: 'stop' },
      {
        kind: 'usage',
        usage: expect.objectContaining({ completion_tokens: 4, eco_estimated: true }),
      },
      { kind: 'end' },
    ]);
    const sse = encoded(events);
    expect(clientText(sse)).toBe('**\nTo count');
    expect(sse).toContain('"eco_estimated":true');
    expect(sse).not.toContain('eot_id');
  });

  it('is identical whatever the byte split', () => {
    const { c } = built();
    assertSplitInvariant(() => adapter.chatStream(c), streamText);
    assertSplitInvariant(() => adapter.chatStream(c), midError);
  });

  it('derives length when the budget was used up and no end token came', () => {
    const { c } = built({}, req({ max_tokens: 3 }));
    const text = streamText.split('\n\n').slice(0, 3).join('\n\n') + '\n\n';
    const events = replay(adapter.chatStream(c), text);
    expect(events).toContainEqual({ kind: 'finish', reason: 'length' });
  });

  it('turns a mid-stream {"error"} into an error event after the first delta', () => {
    const { c } = built();
    const events = replay(adapter.chatStream(c), midError);
    expect(events[0]).toEqual({ kind: 'delta', content: 'To' });
    expect(events.at(-1)).toMatchObject({ kind: 'error', error: { status: 502, code: 'origin_error' } });
    expect(events.at(-1)?.kind === 'error' && events.at(-1)).toBeTruthy();
    expect(events.some((e) => e.kind === 'end')).toBe(false);
  });

  it('maps a queue-full error to 429', () => {
    const { c } = built();
    const events = replay(
      adapter.chatStream(c),
      'data: {"error":"request rejected: max_queue_size reached"}\n\n',
    );
    expect(events.at(-1)).toMatchObject({ kind: 'error', error: { status: 429, code: 'origin_overloaded' } });
  });

  it('fails an empty body and a frame cut at the end', () => {
    const { c } = built();
    expect(replay(adapter.chatStream(c), '').at(-1)).toMatchObject({
      kind: 'error',
      error: { code: 'origin_stream_truncated' },
    });
    const cut = `${streamText.split('\n\n')[0]}\n\ndata: {"text_output":"tr`;
    expect(replay(adapter.chatStream(c), cut).at(-1)).toMatchObject({
      kind: 'error',
      error: { code: 'origin_malformed_stream' },
    });
  });

  it('strips an echoed prompt split across events, and only when asked to', () => {
    const { c, body } = built();
    const prompt = body.text_input as string;
    const event = (t: string) => `data: ${JSON.stringify({ text_output: t })}\n\n`;
    const text = event(prompt.slice(0, 10)) + event(prompt.slice(10) + 'Hello') + event(' world');
    expect(merged(replay(adapter.chatStream(c), text))[0]).toEqual({ kind: 'delta', content: 'Hello world' });
    const kept = built({}, req(), { stripPromptEcho: false }).c;
    expect(merged(replay(adapter.chatStream(kept), text))[0]).toEqual({
      kind: 'delta',
      content: `${prompt}Hello world`,
    });
  });

  it('keeps text that only looks like the start of the prompt', () => {
    const { c } = built();
    const event = (t: string) => `data: ${JSON.stringify({ text_output: t })}\n\n`;
    const events = merged(replay(adapter.chatStream(c), event('<|im_st') + event('art of something')));
    expect(events[0]).toEqual({ kind: 'delta', content: '<|im_start of something' });
  });
});

describe('Triton generate (non-stream) and errors', () => {
  it('decodes text_output with usage estimated from the log-prob count', () => {
    const { c } = built({ stream: false }, req({ max_tokens: 20 }));
    const out = adapter.decodeChat(nonstream, c);
    expect(out.model).toBe('client-model');
    expect(out.choices[0]?.message.content).toBe(
      'Machine learning (ML) is a type of artificial intelligence (AI) that enables computers to learn',
    );
    expect(out.choices[0]?.finish_reason).toBe('length');
    expect(out.usage).toMatchObject({ completion_tokens: 20, eco_estimated: true });
  });

  it('strips the echoed prompt and the end token from a non-stream answer', () => {
    const { c, body } = built({ stream: false });
    const answer = JSON.stringify({
      text_output: `${body.text_input}Five.<|im_end|>`,
      output_log_probs: 0.0,
    });
    const out = adapter.decodeChat(answer, c);
    expect(out.choices[0]?.message.content).toBe('Five.');
    expect(out.choices[0]?.finish_reason).toBe('stop');
  });

  it('rejects a body without text_output', () => {
    const { c } = built({ stream: false });
    expect(() => adapter.decodeChat('{"model_name":"ensemble"}', c)).toThrow(
      expect.objectContaining({ status: 502, code: 'origin_malformed_response' }),
    );
  });

  it('maps Triton error bodies, including an SSE-framed first error', () => {
    expect(adapter.mapError(400, errorJson, new Headers())).toMatchObject({
      status: 502,
      code: 'origin_error',
    });
    expect(adapter.mapError(400, '{"error":"text_input must be a string"}', new Headers())).toMatchObject({
      status: 400,
      code: 'invalid_request',
    });
    expect(adapter.mapError(404, errorJson, new Headers())).toMatchObject({
      status: 502,
      code: 'origin_error',
    });
    const sse = adapter.mapError(500, 'data: {"error":"Executor failed"}\n\n', new Headers());
    expect(sse.message).toContain('Executor failed');
    expect(sse.status).toBe(502);
    expect(adapter.mapError(400, '{"error":"model ensemble is not ready"}', new Headers())).toMatchObject({
      status: 503,
      code: 'origin_loading',
    });
    expect(
      adapter.mapError(400, '{"error":"exceeds max_queue_size"}', new Headers({ 'retry-after': '2' })),
    ).toMatchObject({ status: 429, retryAfterMs: 2000 });
  });
});

describe('Triton requests, health and load', () => {
  it('templates the conversation keeping each role, with the ensemble inputs', () => {
    const { request, body } = built({ stream: true }, req({ seed: 7, stop: 'END', temperature: 0.5 }));
    expect(request.path).toBe('/v2/models/ensemble/generate_stream');
    expect(body).toEqual({
      text_input:
        '<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\ncount<|im_end|>\n<|im_start|>assistant\n',
      max_tokens: 8,
      stream: true,
      temperature: 0.5,
      // TensorRT-LLM decodes greedily without top_k or top_p: a temperature alone samples with top_p 1.
      top_p: 1,
      random_seed: 7,
      stop_words: ['END'],
    });
  });

  it('samples only when asked: top_p as sent, 1 beside a temperature alone, nothing beside none or 0', () => {
    expect(built({ stream: false }, req({ temperature: 0.7, top_p: 0.9 })).body).toMatchObject({
      temperature: 0.7,
      top_p: 0.9,
    });
    expect(built({ stream: false }, req({ temperature: 0 })).body.top_p).toBeUndefined();
    expect(built({ stream: false }, req({})).body.top_p).toBeUndefined();
  });

  it('sends a negative OpenAI seed as the unsigned seed Triton takes', () => {
    expect(built({ stream: false }, req({ seed: -1 })).body.random_seed).toBe(4_294_967_295);
    expect(built({ stream: false }, req({ seed: -5_000_000_000 })).body.random_seed).toBe(5_000_000_000);
  });

  it('uses the pool model, template and budget options', () => {
    const { request, body } = built({ stream: false }, req({ max_tokens: undefined }), {
      tritonModel: 'tensorrt_llm_bls',
      chatTemplate: 'llama3',
      maxTokens: 99,
    });
    expect(request.path).toBe('/v2/models/tensorrt_llm_bls/generate');
    expect(body.max_tokens).toBe(99);
    expect(body.text_input).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nbe brief<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\ncount<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('refuses tools and images with a 400 naming the engine', () => {
    const tools = req({ tools: [{ type: 'function', function: { name: 'f' } }] });
    expect(() => adapter.buildChat(tools, ctx(p))).toThrow(
      expect.objectContaining({ status: 400, param: 'tools' }),
    );
    const image = req({
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://x/y.png' } }] }],
    });
    expect(() => adapter.buildChat(image, ctx(p))).toThrow(/Triton/);
    expect(adapter.completions).toBeDefined();
    expect(adapter.embeddings).toBeUndefined();
  });

  it('reads readiness (400 = loading) and the TRT-LLM labelled gauges', () => {
    expect(adapter.health.request(p).path).toBe('/v2/health/ready');
    expect(adapter.health.interpret(200, '')).toBe('ready');
    expect(adapter.health.interpret(400, '')).toBe('loading');
    expect(adapter.health.interpret(500, '')).toBe('down');
    const text = [
      'nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="active",version="1"} 4',
      'nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="waiting",version="1"} 6',
      'nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="max",version="1"} 64',
      'nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="fraction",model="tensorrt_llm",version="1"} 0.5',
      'nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="max",model="tensorrt_llm",version="1"} 4096',
    ].join('\n');
    expect(adapter.metrics?.parse(text)).toEqual({ running: 4, waiting: 6, kvCacheUsage: 0.5 });
  });
});

describe('Triton /v1/completions', () => {
  const completions = adapter.completions!;
  const creq = (over: Record<string, unknown> = {}) => ({
    model: 'client-model',
    prompt: 'Once upon',
    max_tokens: 8,
    ...over,
  });

  it('sends the raw prompt as text_input, without a chat template', () => {
    const c = ctx(p, { stream: false });
    const request = completions.build(creq({ temperature: 0.5, stop: 'END', seed: 3 }), c);
    expect(request.path).toBe('/v2/models/ensemble/generate');
    expect(JSON.parse(request.body ?? '{}')).toEqual({
      text_input: 'Once upon',
      max_tokens: 8,
      stream: false,
      temperature: 0.5,
      top_p: 1,
      random_seed: 3,
      stop_words: ['END'],
    });
    const streamed = completions.build(creq({ prompt: ['Once upon'] }), ctx(p));
    expect(streamed.path).toBe('/v2/models/ensemble/generate_stream');
    expect(JSON.parse(streamed.body ?? '{}')).toMatchObject({ text_input: 'Once upon', stream: true });
  });

  it('uses the pool budget when the client sets none (Triton requires max_tokens)', () => {
    const request = completions.build(
      creq({ max_tokens: undefined }),
      ctx(pool('triton-trtllm', { maxTokens: 77 })),
    );
    expect(JSON.parse(request.body ?? '{}')).toMatchObject({ max_tokens: 77 });
  });

  it('refuses several prompts, token prompts and options the endpoint has no input for', () => {
    for (const [over, param] of [
      [{ prompt: ['a', 'b'] }, 'prompt'],
      [{ prompt: [1, 2] }, 'prompt'],
      [{ echo: true }, 'echo'],
      [{ suffix: 'tail' }, 'suffix'],
      [{ logprobs: 2 }, 'logprobs'],
    ] as const) {
      expect(() => completions.build(creq(over), ctx(p))).toThrow(
        expect.objectContaining({ status: 400, code: 'unsupported_parameter', param }),
      );
    }
  });

  it('decodes generate as a text_completion with the echo stripped and the client model', () => {
    const c = ctx(p, { stream: false });
    completions.build(creq({ prompt: 'Machine learning', max_tokens: 20 }), c);
    const out = completions.decode(nonstream, c);
    expect(out).toMatchObject({
      id: 'cmpl-req-1',
      object: 'text_completion',
      model: 'client-model',
      choices: [
        {
          index: 0,
          text: ' (ML) is a type of artificial intelligence (AI) that enables computers to learn',
          logprobs: null,
          finish_reason: 'length',
        },
      ],
      usage: { completion_tokens: 20, eco_estimated: true },
    });
  });

  it('rejects a generate body without text_output as a 502', () => {
    const c = ctx(p, { stream: false });
    completions.build(creq(), c);
    expect(() => completions.decode('{"error":null}', c)).toThrow(
      expect.objectContaining({ status: 502, code: 'origin_malformed_response' }),
    );
  });

  it('streams native events that encode as text_completion chunks, whatever the split', () => {
    const c = ctx(p);
    completions.build(creq(), c);
    const make = () => completions.stream!(c);
    const events = replay(make(), streamText);
    expect(merged(events)).toEqual([
      { kind: 'delta', content: '**\nTo count' },
      { kind: 'finish', reason: 'stop' },
      { kind: 'usage', usage: expect.objectContaining({ eco_estimated: true }) },
      { kind: 'end' },
    ]);
    const sse = textChunks(events);
    expect(sse).toContain('"object":"text_completion"');
    expect(sse).toContain('"text":"To"');
    expect(sse).toContain('"finish_reason":"stop"');
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
    assertSplitInvariant(make, streamText, 50);
  });

  it('ends a completion stream cut before any response with a truncation error', () => {
    const c = ctx(p);
    completions.build(creq(), c);
    const events = replay(completions.stream!(c), '');
    expect(events).toEqual([
      { kind: 'error', error: expect.objectContaining({ status: 502, code: 'origin_stream_truncated' }) },
    ]);
  });
});
