import { describe, expect, it } from 'vitest';
import chatNonstream from '../../../../shared/fixtures/engines/lmdeploy.chat.nonstream.json?raw';
import chatUsage from '../../../../shared/fixtures/engines/lmdeploy.chat.stream.include_usage.txt?raw';
import chatLength from '../../../../shared/fixtures/engines/lmdeploy.chat.stream.length.txt?raw';
import errorJson from '../../../../shared/fixtures/engines/lmdeploy.error.json?raw';
import genNonstream from '../../../../shared/fixtures/engines/lmdeploy.generate.nonstream.json?raw';
import genStream from '../../../../shared/fixtures/engines/lmdeploy.generate.stream.txt?raw';
import legacy from '../../../../shared/fixtures/engines/lmdeploy.interactive-legacy.stream.ndjson.txt?raw';
import { lmdeployAdapter, lmdeployOpenAiAdapter } from '../../../origins/lmdeploy/index.ts';
import { lmdeployInteractiveStream } from '../../../origins/lmdeploy/interactive-legacy.ts';
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

const native = pool('lmdeploy');
const oai = pool('lmdeploy-openai');
const req = (over: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [
    { role: 'system', content: 'You answer with one word.' },
    { role: 'user', content: 'Capital of France?' },
    { role: 'assistant', content: 'Paris.' },
    { role: 'user', content: 'Again?' },
  ],
  ...over,
});

describe('LMDeploy /generate', () => {
  it('decodes the delta stream with its finish reason and reported usage', () => {
    const events = replay(lmdeployAdapter.chatStream(ctx(native)), genStream);
    expect(merged(events)).toEqual([
      { kind: 'delta', content: ' Paris.' },
      { kind: 'finish', reason: 'stop' },
      { kind: 'usage', usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } },
      { kind: 'end' },
    ]);
    const sse = encoded(events);
    expect(clientText(sse)).toBe(' Paris.');
    expect(sse).toContain('"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}');
  });

  it('is identical whatever the byte split', () => {
    assertSplitInvariant(() => lmdeployAdapter.chatStream(ctx(native)), genStream);
  });

  it('reads the empty "run out of tokens" answer of v0.15 and earlier as a prompt too long', () => {
    const meta = '"meta_info":{"prompt_tokens":9000,"completion_tokens":0,"finish_reason":{"type":"length"}}';
    expect(() =>
      lmdeployAdapter.decodeChat(`{"text":"","output_ids":[],${meta}}`, ctx(native, { stream: false })),
    ).toThrow(expect.objectContaining({ status: 400, code: 'context_length_exceeded' }));
    const stream = `data: {"text":"",${meta}}\n\ndata: [DONE]\n\n`;
    expect(replay(lmdeployAdapter.chatStream(ctx(native)), stream).at(-1)).toMatchObject({
      kind: 'error',
      error: { status: 400, code: 'context_length_exceeded' },
    });
    // A real answer cut at its budget is not that.
    const cut = '"meta_info":{"prompt_tokens":5,"completion_tokens":2,"finish_reason":{"type":"length"}}';
    expect(
      lmdeployAdapter.decodeChat(`{"text":" Pa","output_ids":[1,2],${cut}}`, ctx(native, { stream: false })),
    ).toMatchObject({
      choices: [{ finish_reason: 'length' }],
    });
  });

  it('fails without [DONE], on a mid-stream error and on an error finish', () => {
    const noDone = genStream.slice(0, genStream.indexOf('data: [DONE]'));
    expect(replay(lmdeployAdapter.chatStream(ctx(native)), noDone).at(-1)).toMatchObject({
      kind: 'error',
      error: { code: 'origin_stream_truncated' },
    });
    const midError =
      'data: {"text":"a","output_ids":[1],"meta_info":{"prompt_tokens":1,"completion_tokens":1,"finish_reason":null}}\n\n' +
      'data: {"error": {"message": "engine died", "type": "server_error", "code": 500, "param": null, "object": "error"}}\n\ndata: [DONE]\n\n';
    const events = replay(lmdeployAdapter.chatStream(ctx(native)), midError);
    expect(events.at(-1)).toMatchObject({ kind: 'error', error: { status: 502, code: 'origin_error' } });
    expect(events.some((e) => e.kind === 'end')).toBe(false);
    const abort = genStream.replace('{"type":"stop"}', '{"type":"abort"}');
    expect(replay(lmdeployAdapter.chatStream(ctx(native)), abort).at(-1)).toMatchObject({
      kind: 'error',
      error: { code: 'origin_error' },
    });
  });

  it('decodes the non-stream answer', () => {
    const out = lmdeployAdapter.decodeChat(genNonstream, ctx(native, { stream: false }));
    expect(out.choices[0]?.message.content).toBe(' Paris.');
    expect(out.choices[0]?.finish_reason).toBe('stop');
    expect(out.usage).toEqual({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
    expect(() => lmdeployAdapter.decodeChat('{"text": 1}', ctx(native))).toThrow(
      expect.objectContaining({ code: 'origin_malformed_response' }),
    );
  });

  it('templates the whole conversation, turn by turn', () => {
    const r = lmdeployAdapter.buildChat(req({ max_tokens: 9, stop: 'x', temperature: 0.1 }), ctx(native));
    expect(r.path).toBe('/generate');
    expect(JSON.parse(r.body ?? '{}')).toEqual({
      prompt:
        '<|im_start|>system\nYou answer with one word.<|im_end|>\n<|im_start|>user\nCapital of France?<|im_end|>\n' +
        '<|im_start|>assistant\nParis.<|im_end|>\n<|im_start|>user\nAgain?<|im_end|>\n<|im_start|>assistant\n',
      max_tokens: 9,
      stream: true,
      temperature: 0.1,
      stop: 'x',
    });
    const mistral = lmdeployAdapter.buildChat(req(), ctx(pool('lmdeploy', { chatTemplate: 'mistral' })));
    expect(JSON.parse(mistral.body ?? '{}').prompt).toBe(
      '<s>[INST] You answer with one word.\n\nCapital of France? [/INST] Paris.</s>[INST] Again? [/INST]',
    );
    expect(JSON.parse(mistral.body ?? '{}').max_tokens).toBe(1024);
  });
});

describe('LMDeploy OpenAI endpoints', () => {
  it('relays the Python-spaced chunks and the usage chunk', () => {
    const events = replay(lmdeployOpenAiAdapter.chatStream(ctx(oai)), chatUsage);
    expect(events.map((e) => e.kind)).toEqual(['chunk', 'chunk', 'chunk', 'chunk', 'chunk', 'end']);
    const chunks = events.filter((e) => e.kind === 'chunk');
    expect(chunks.map((c) => c.hasOutput)).toEqual([true, true, false, true, false]);
    expect(chunks[3]?.finish).toBe('stop');
    // The engine's `prompt_tokens_details` is a real figure: kept.
    expect(chunks[4]?.usage).toEqual({
      prompt_tokens: 21,
      completion_tokens: 2,
      total_tokens: 23,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    const sse = encoded(events);
    expect(clientText(sse)).toBe('Hello!');
    expect(sse).not.toContain('internlm');
  });

  it('ends with length, and is identical whatever the byte split', () => {
    const events = replay(lmdeployOpenAiAdapter.chatStream(ctx(oai)), chatLength);
    expect(events.filter((e) => e.kind === 'chunk').at(-1)).toMatchObject({ finish: 'length' });
    assertSplitInvariant(() => lmdeployOpenAiAdapter.chatStream(ctx(oai)), chatUsage);
    assertSplitInvariant(() => lmdeployOpenAiAdapter.chatStream(ctx(oai)), chatLength);
  });

  it('turns an error/abort finish into an error, and a missing [DONE] into a truncation', () => {
    const failed = chatLength.replace('"finish_reason": "length"', '"finish_reason": "error"');
    const events = replay(lmdeployOpenAiAdapter.chatStream(ctx(oai)), failed);
    expect(events.at(-1)).toMatchObject({ kind: 'error', error: { code: 'origin_error' } });
    expect(events.filter((e) => e.kind === 'chunk')).toHaveLength(3);
    const noDone = chatLength.slice(0, chatLength.indexOf('data: [DONE]'));
    expect(replay(lmdeployOpenAiAdapter.chatStream(ctx(oai)), noDone).at(-1)).toMatchObject({
      kind: 'error',
      error: { code: 'origin_stream_truncated' },
    });
  });

  it('decodes the non-stream model_dump() answer to the public shape', () => {
    const out = lmdeployOpenAiAdapter.decodeChat(chatNonstream, ctx(oai, { stream: false }));
    expect(out.choices[0]).toEqual({
      index: 0,
      message: { role: 'assistant', content: 'Hello! How can I help you today?', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    });
    expect(out.usage).toEqual({
      prompt_tokens: 21,
      completion_tokens: 10,
      total_tokens: 31,
      prompt_tokens_details: { cached_tokens: 0 },
    });
    const parseError = chatNonstream.replace('"finish_reason": "stop"', '"finish_reason": "parse_error"');
    expect(() => lmdeployOpenAiAdapter.decodeChat(parseError, ctx(oai))).toThrow(
      expect.objectContaining({ status: 502 }),
    );
  });

  it('maps the flat error envelope; no embeddings, completions yes', () => {
    expect(lmdeployOpenAiAdapter.mapError(404, errorJson, new Headers())).toMatchObject({
      status: 502,
      code: 'origin_error',
    });
    const busy =
      '{"message": "engine unavailable", "type": "server_error", "code": 503, "param": null, "object": "error"}';
    expect(lmdeployOpenAiAdapter.mapError(503, busy, new Headers({ 'retry-after': '4' }))).toMatchObject({
      status: 503,
      retryAfterMs: 4000,
    });
    expect(lmdeployOpenAiAdapter.embeddings).toBeUndefined();
    expect(lmdeployOpenAiAdapter.completions).toBeDefined();
  });

  it('reads health states and metrics', () => {
    const h = lmdeployOpenAiAdapter.health;
    expect(h.interpret(200, '{"status":"healthy","message":null}')).toBe('ready');
    expect(h.interpret(200, '')).toBe('ready');
    expect(h.interpret(200, '{"status":"sleeping"}')).toBe('loading');
    expect(h.interpret(503, '{"status":"initializing"}')).toBe('loading');
    expect(h.interpret(503, '{"status":"unhealthy"}')).toBe('down');
    const text = [
      'lmdeploy:num_requests_running{model_name="m"} 2',
      'lmdeploy:num_requests_waiting{model_name="m"} 5',
      'lmdeploy:gpu_cache_usage_perc{model_name="m"} 0.4',
    ].join('\n');
    expect(lmdeployAdapter.metrics?.parse(text)).toEqual({ running: 2, waiting: 5, kvCacheUsage: 0.4 });
  });
});

describe('LMDeploy legacy /v1/chat/interactive', () => {
  it('decodes the NDJSON lines with the finish line as terminal marker', () => {
    const events = replay(lmdeployInteractiveStream(), legacy);
    expect(merged(events)).toEqual([
      { kind: 'delta', content: 'Hello!' },
      { kind: 'finish', reason: 'stop' },
      { kind: 'usage', usage: { prompt_tokens: 21, completion_tokens: 2, total_tokens: 23 } },
      { kind: 'end' },
    ]);
    assertSplitInvariant(() => lmdeployInteractiveStream(), legacy);
  });

  it('fails without a finish line and on an error finish', () => {
    const lines = legacy.split('\n');
    expect(replay(lmdeployInteractiveStream(), `${lines[0]}\n${lines[1]}\n`).at(-1)).toMatchObject({
      kind: 'error',
      error: { code: 'origin_stream_truncated' },
    });
    const failed = legacy.replace('"finish_reason":"stop"', '"finish_reason":"error"');
    expect(replay(lmdeployInteractiveStream(), failed).at(-1)).toMatchObject({
      kind: 'error',
      error: { code: 'origin_error' },
    });
  });
});

describe('LMDeploy /generate for /v1/completions', () => {
  const completions = lmdeployAdapter.completions!;
  const creq = (over: Record<string, unknown> = {}) => ({
    model: 'client-model',
    prompt: 'The capital of France is',
    ...over,
  });

  it('sends the raw prompt, untemplated, with an explicit budget', () => {
    const request = completions.build(
      creq({ temperature: 0.2, stop: ['.'] }),
      ctx(pool('lmdeploy', { maxTokens: 64 }), { stream: false }),
    );
    expect(request.path).toBe('/generate');
    expect(JSON.parse(request.body ?? '{}')).toEqual({
      prompt: 'The capital of France is',
      max_tokens: 64,
      stream: false,
      temperature: 0.2,
      stop: ['.'],
    });
    const streamed = completions.build(creq({ max_tokens: 5 }), ctx(native));
    expect(JSON.parse(streamed.body ?? '{}')).toMatchObject({ max_tokens: 5, stream: true });
  });

  it('refuses several prompts and options the endpoint has no input for', () => {
    for (const [over, param] of [
      [{ prompt: ['a', 'b'] }, 'prompt'],
      [{ echo: true }, 'echo'],
      [{ suffix: 's' }, 'suffix'],
      [{ logprobs: 3 }, 'logprobs'],
    ] as const) {
      expect(() => completions.build(creq(over), ctx(native))).toThrow(
        expect.objectContaining({ status: 400, param }),
      );
    }
  });

  it('decodes the answer as a text_completion with reported usage and finish', () => {
    const c = ctx(native, { stream: false });
    completions.build(creq(), c);
    expect(completions.decode(genNonstream, c)).toEqual({
      id: 'cmpl-req-1',
      object: 'text_completion',
      created: 1_700_000_000,
      model: 'client-model',
      choices: [{ index: 0, text: ' Paris.', logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    });
    const aborted = genNonstream.replace('"type": "stop"', '"type": "abort"');
    expect(() => completions.decode(aborted, c)).toThrow(
      expect.objectContaining({ status: 502, code: 'origin_error' }),
    );
  });

  it('streams native events that encode as text_completion chunks, whatever the split', () => {
    const c = ctx(native);
    completions.build(creq(), c);
    const events = replay(completions.stream!(c), genStream);
    expect(merged(events)).toEqual([
      { kind: 'delta', content: ' Paris.' },
      { kind: 'finish', reason: 'stop' },
      { kind: 'usage', usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } },
      { kind: 'end' },
    ]);
    const sse = textChunks(events);
    expect(sse).toContain('"object":"text_completion"');
    expect(sse).toContain('"text":" Paris"');
    expect(sse).toContain('"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}');
    assertSplitInvariant(() => completions.stream!(c), genStream, 50);
    const cut = genStream.replace('data: [DONE]', '');
    expect(replay(completions.stream!(c), cut).at(-1)).toMatchObject({
      kind: 'error',
      error: { code: 'origin_stream_truncated' },
    });
  });
});
