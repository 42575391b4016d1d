import { describe, expect, it } from 'vitest';
import nonstream from '../../../../shared/fixtures/engines/trtllm-serve.chat.nonstream.json?raw';
import streamText from '../../../../shared/fixtures/engines/trtllm-serve.chat.stream.txt?raw';
import errorJson from '../../../../shared/fixtures/engines/trtllm-serve.error.json?raw';
import validationJson from '../../../../shared/fixtures/engines/trtllm-serve.error.validation.json?raw';
import { trtllmServeAdapter as adapter } from '../../../origins/trtllm/index.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { assertSplitInvariant, clientText, ctx, encoded, pool, replay } from './replay-b.ts';

const p = pool('trtllm-serve');

describe('trtllm-serve stream conformance', () => {
  it('relays the fixture as chunks: role, content, finish, usage, then end', () => {
    const events = replay(adapter.chatStream(ctx(p)), streamText);
    expect(events.map((e) => e.kind)).toEqual(['chunk', 'chunk', 'chunk', 'chunk', 'chunk', 'end']);
    const chunks = events.filter((e) => e.kind === 'chunk');
    expect(chunks.map((c) => c.hasOutput)).toEqual([false, true, true, true, false]);
    expect(chunks[3]?.finish).toBe('stop');
    expect(chunks[4]?.usage).toEqual({
      prompt_tokens: 28,
      completion_tokens: 2,
      total_tokens: 30,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    const sse = encoded(events);
    expect(clientText(sse)).toBe('New York');
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(sse).not.toContain('TinyLlama');
  });

  it('gives every chunk one stable id and timestamp (older releases change them per chunk)', () => {
    const shifted = streamText
      .replace(/"id":"chatcmpl-1"/g, () => `"id":"chatcmpl-${Math.random().toString(16).slice(2)}"`)
      .replace(/"created":1750000000/g, () => `"created":${1750000000 + Math.floor(Math.random() * 100)}`);
    const events = replay(adapter.chatStream(ctx(p)), shifted);
    const pairs = events.flatMap((e) => {
      if (e.kind !== 'chunk') return [];
      const chunk = JSON.parse(e.json) as { id: string; created: number };
      return [`${chunk.id} ${chunk.created}`];
    });
    // The first chunk's pair, kept for the whole stream.
    expect(pairs).toHaveLength(5);
    expect(new Set(pairs).size).toBe(1);
  });

  it('is identical whatever the byte split (first chunk ends with a space)', () => {
    assertSplitInvariant(() => adapter.chatStream(ctx(p)), streamText);
  });

  it('treats a body closed without [DONE] as truncated, even after the finish chunk', () => {
    const cut = streamText.slice(0, streamText.indexOf('data: [DONE]'));
    const events = replay(adapter.chatStream(ctx(p)), cut);
    const last = events.at(-1);
    expect(last?.kind).toBe('error');
    expect(last?.kind === 'error' && last.error.code).toBe('origin_stream_truncated');
  });

  it('reports a chunk cut in half as malformed', () => {
    const events = replay(
      adapter.chatStream(ctx(p)),
      'data: {"id":"x","choices":[{"delta":{"content":"a\n\n',
    );
    expect(events.at(-1)).toMatchObject({
      kind: 'error',
      error: { status: 502, code: 'origin_malformed_stream' },
    });
  });
});

describe('trtllm-serve non-stream and errors', () => {
  it('decodes the full model_dump() answer to the public shape', () => {
    const out = adapter.decodeChat(nonstream, ctx(p, { stream: false }));
    expect(out).toEqual({
      id: 'chatcmpl-8f2a9c4e1b7d4a0e9c3f5b6a7d8e9f01',
      object: 'chat.completion',
      created: 1750000000,
      model: 'client-model',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'New York is in the northeastern United States.',
            refusal: null,
          },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: 28,
        completion_tokens: 11,
        total_tokens: 39,
        prompt_tokens_details: { cached_tokens: 0 },
      },
    });
  });

  it('rejects a body that is not an answer', () => {
    expect(() => adapter.decodeChat('{"object":"list"}', ctx(p))).toThrow(
      expect.objectContaining({ status: 502, code: 'origin_malformed_response' }),
    );
  });

  it('maps the prompt-length 400 to context_length_exceeded', () => {
    const err = adapter.mapError(400, errorJson, new Headers());
    expect(err.status).toBe(400);
    expect(err.code).toBe('context_length_exceeded');
    expect(err.message).toContain('max_num_tokens (32768)');
  });

  it('maps the string validation error to a 400', () => {
    const err = adapter.mapError(400, validationJson, new Headers());
    expect(err).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(err.message).toContain('Extra inputs are not permitted');
  });

  it('maps 503 to unavailable with Retry-After, 500 to a retryable origin error', () => {
    const down = adapter.mapError(
      503,
      '{"object":"error","message":"LLM is unavailable","type":"InternalServerError","param":null,"code":503}',
      new Headers({ 'retry-after': '3' }),
    );
    expect(down).toMatchObject({ status: 503, code: 'origin_unavailable', retryAfterMs: 3000 });
    expect(adapter.mapError(500, 'boom', new Headers())).toMatchObject({ status: 502, code: 'origin_error' });
    expect(adapter.mapError(429, '{}', new Headers({ 'retry-after': '1' }))).toMatchObject({
      status: 429,
      retryAfterMs: 1000,
    });
  });
});

describe('trtllm-serve requests, health and load', () => {
  const req: ChatCompletionRequest = {
    model: 'client-model',
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hi' },
    ],
    max_completion_tokens: 5,
    parallel_tool_calls: true,
    metadata: { a: 'b' },
    temperature: 0.2,
  };

  it('sends only fields the server accepts, with max_tokens for max_completion_tokens', () => {
    const built = adapter.buildChat(req, ctx(p, { stream: false }));
    const body = JSON.parse(built.body ?? '{}');
    expect(built.path).toBe('/v1/chat/completions');
    expect(body).toEqual({ model: 'engine-model', messages: req.messages, temperature: 0.2, max_tokens: 5 });
  });

  it('asks for usage on streams', () => {
    const body = JSON.parse(adapter.buildChat(req, ctx(p)).body ?? '{}');
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
  });

  it('filters completion fields it would reject', () => {
    const c = adapter.completions!;
    const body = JSON.parse(
      c.build(
        { model: 'm', prompt: 'x', max_tokens: 3, suffix: null, metadata: { a: 1 } },
        ctx(p, { stream: false }),
      ).body ?? '{}',
    );
    expect(body).toEqual({ model: 'engine-model', prompt: 'x', max_tokens: 3 });
    expect(adapter.embeddings).toBeUndefined();
  });

  it('probes /health and reads the Prometheus gauges', () => {
    expect(adapter.health.request(p).path).toBe('/health');
    expect(adapter.health.interpret(200, '')).toBe('ready');
    expect(adapter.health.interpret(503, 'LLM is unavailable.')).toBe('down');
    expect(adapter.metrics?.request(p).path).toBe('/prometheus/metrics');
    const text = [
      '# TYPE trtllm_num_requests_running gauge',
      'trtllm_num_requests_running{model_name="m",engine_type="trtllm"} 3',
      'trtllm_num_requests_waiting{model_name="m",engine_type="trtllm"} 2',
      'trtllm_kv_cache_utilization{model_name="m",engine_type="trtllm"} 0.25',
    ].join('\n');
    expect(adapter.metrics?.parse(text)).toEqual({ running: 3, waiting: 2, kvCacheUsage: 0.25 });
  });
});
