import { describe, expect, it } from 'vitest';
import chatUsage from '../../../../shared/fixtures/engines/sglang.chat.stream.include_usage.txt?raw';
import nativeErrorJson from '../../../../shared/fixtures/engines/sglang.error.native.json?raw';
import openAiErrorJson from '../../../../shared/fixtures/engines/sglang.error.openai.json?raw';
import genNonstream from '../../../../shared/fixtures/engines/sglang.generate.nonstream.json?raw';
import genError from '../../../../shared/fixtures/engines/sglang.generate.stream.error.txt?raw';
import genIncremental from '../../../../shared/fixtures/engines/sglang.generate.stream.incremental.txt?raw';
import genStream from '../../../../shared/fixtures/engines/sglang.generate.stream.txt?raw';
import { sglangAdapter, sglangOpenAiAdapter } from '../../../origins/sglang/index.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { assertSplitInvariant, clientText, ctx, encoded, merged, pool, replay } from './replay-b.ts';

const native = pool('sglang');
const incremental = pool('sglang', { incremental: true });
const oai = pool('sglang-openai');
const req = (over: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [
    { role: 'system', content: 'One word answers.' },
    { role: 'user', content: 'Capital of France?' },
  ],
  ...over,
});
const expected = [
  { kind: 'delta', content: ' Paris. It is' },
  { kind: 'finish', reason: 'length' },
  {
    kind: 'usage',
    usage: {
      prompt_tokens: 5,
      completion_tokens: 4,
      total_tokens: 9,
      prompt_tokens_details: { cached_tokens: 0 },
    },
  },
  { kind: 'end' },
];

describe('SGLang /generate stream', () => {
  it('diffs the cumulative text (the default) into deltas, with meta_info finish and usage', () => {
    const events = replay(sglangAdapter.chatStream(ctx(native)), genStream);
    expect(events.filter((e) => e.kind === 'delta').map((e) => (e as { content: string }).content)).toEqual([
      ' Paris',
      '.',
      ' It',
      ' is',
    ]);
    expect(merged(events)).toEqual(expected);
    expect(clientText(encoded(events))).toBe(' Paris. It is');
  });

  it('takes deltas as they are with options.incremental, and both modes give the same output', () => {
    const events = replay(sglangAdapter.chatStream(ctx(incremental)), genIncremental);
    expect(merged(events)).toEqual(expected);
    expect(encoded(events)).toBe(encoded(replay(sglangAdapter.chatStream(ctx(native)), genStream)));
    // A pool configured for cumulative text notices an incremental server instead of garbling text.
    expect(replay(sglangAdapter.chatStream(ctx(native)), genIncremental).at(-1)).toMatchObject({
      error: { code: 'origin_malformed_stream' },
    });
  });

  it('a final text shorter than what was sent (a stop string trimmed at the end) finishes the stream', () => {
    const ev = (text: string, finish: unknown = null) =>
      `data: ${JSON.stringify({ text, meta_info: { id: 'r', finish_reason: finish, prompt_tokens: 5, completion_tokens: 3 } })}\n\n`;
    const text = `${ev(' Paris')}${ev(' Paris.\n\nUs')}${ev(' Paris.', { type: 'stop', matched: '\n\nUser:' })}data: [DONE]\n\n`;
    const events = replay(sglangAdapter.chatStream(ctx(native)), text);
    expect(events.filter((e) => e.kind === 'delta').map((e) => (e as { content: string }).content)).toEqual([
      ' Paris',
      '.\n\nUs',
    ]);
    expect(events.at(-1)).toEqual({ kind: 'end' });
    expect(events).toContainEqual({ kind: 'finish', reason: 'stop' });
    // Before the last event a shorter text is still a broken stream.
    const early = `${ev(' Paris.')}${ev(' Par')}${ev(' Paris.', { type: 'stop', matched: '.' })}data: [DONE]\n\n`;
    expect(replay(sglangAdapter.chatStream(ctx(native)), early).at(-1)).toMatchObject({
      error: { code: 'origin_malformed_stream' },
    });
  });

  it('is identical whatever the byte split, for every transcript', () => {
    assertSplitInvariant(() => sglangAdapter.chatStream(ctx(native)), genStream);
    assertSplitInvariant(() => sglangAdapter.chatStream(ctx(incremental)), genIncremental);
    assertSplitInvariant(() => sglangAdapter.chatStream(ctx(native)), genError);
    assertSplitInvariant(() => sglangOpenAiAdapter.chatStream(ctx(oai)), chatUsage);
  });

  it('fails on error events, aborts, a missing [DONE] and malformed events', () => {
    expect(replay(sglangAdapter.chatStream(ctx(native)), genError)).toEqual([
      { kind: 'error', error: expect.objectContaining({ status: 400, code: 'context_length_exceeded' }) },
    ]);
    const full = genStream.replace(
      '{"type":"length","length":4}',
      '{"type":"abort","message":"The request queue is full.","status_code":503}',
    );
    expect(replay(sglangAdapter.chatStream(ctx(native)), full).at(-1)).toMatchObject({
      error: { status: 503, code: 'origin_unavailable' },
    });
    const aborted = genStream.replace(
      '{"type":"length","length":4}',
      '{"type":"abort","message":"Abort before prefill"}',
    );
    expect(replay(sglangAdapter.chatStream(ctx(native)), aborted).at(-1)).toMatchObject({
      error: { status: 502 },
    });
    const cut = genStream.slice(0, genStream.indexOf('data: [DONE]'));
    expect(replay(sglangAdapter.chatStream(ctx(native)), cut).at(-1)).toMatchObject({
      error: { code: 'origin_stream_truncated' },
    });
    expect(replay(sglangAdapter.chatStream(ctx(native)), 'data: {"text":" Par\n\n').at(-1)).toMatchObject({
      error: { code: 'origin_malformed_stream' },
    });
  });
});

describe('SGLang cumulative text with escapes (light scan)', () => {
  const texts = ['Say "hi"', 'Say "hi"\n\\', 'Say "hi"\n\\ é🙂\t', 'Say "hi"\n\\ é🙂\t end'];
  const event = (text: string, i: number, final: boolean) =>
    `data: {"text":${JSON.stringify(text)},"output_ids":[${i}],"meta_info":{"finish_reason":${final ? '{"type":"stop","matched":2}' : 'null'},"prompt_tokens":3,"completion_tokens":${i + 1}}}\n\n`;
  // Escaped quotes, backslashes and control characters exercise the raw-prefix check.
  const transcript = `${texts.map((t, i) => event(t, i, i === texts.length - 1)).join('')}data: [DONE]\n\n`;

  it('decodes only what each event adds, escapes included, whatever the split', () => {
    const events = replay(sglangAdapter.chatStream(ctx(native)), transcript);
    expect(merged(events)[0]).toEqual({ kind: 'delta', content: texts.at(-1) });
    expect(events).toContainEqual({ kind: 'finish', reason: 'stop' });
    assertSplitInvariant(() => sglangAdapter.chatStream(ctx(native)), transcript);
  });

  it('falls back to a full parse when the event is not in the expected key order', () => {
    const reordered =
      'data: {"meta_info":{"finish_reason":null,"prompt_tokens":1,"completion_tokens":1},"text":"a"}\n\n' +
      'data: {"text":"ab","meta_info":{"finish_reason":{"type":"length","length":2},"prompt_tokens":1,"completion_tokens":2}}\n\ndata: [DONE]\n\n';
    expect(merged(replay(sglangAdapter.chatStream(ctx(native)), reordered))).toEqual([
      { kind: 'delta', content: 'ab' },
      { kind: 'finish', reason: 'length' },
      { kind: 'usage', usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } },
      { kind: 'end' },
    ]);
  });
});

describe('SGLang /generate non-stream and requests', () => {
  it('decodes the answer with reported usage and the finish object', () => {
    const out = sglangAdapter.decodeChat(genNonstream, ctx(native, { stream: false }));
    expect(out.choices[0]).toMatchObject({
      finish_reason: 'length',
      message: { content: expect.stringMatching(/^ Paris\./) },
    });
    expect(out.usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: 32,
      total_tokens: 37,
      prompt_tokens_details: { cached_tokens: 2 },
    });
    expect(out.model).toBe('client-model');
    const stopped = genNonstream.replace(
      /"finish_reason": \{[^}]*\}/,
      '"finish_reason": {"type": "stop", "matched": 151645}',
    );
    expect(sglangAdapter.decodeChat(stopped, ctx(native)).choices[0]!.finish_reason).toBe('stop');
    expect(() => sglangAdapter.decodeChat('{"meta_info":{}}', ctx(native))).toThrow(
      expect.objectContaining({ status: 502 }),
    );
  });

  it('renders the chat through the template and sends sampling_params with our budget', () => {
    const request = sglangAdapter.buildChat(
      req({
        max_tokens: 20,
        temperature: 0.5,
        stop: ['\n'],
        presence_penalty: 0.1,
        response_format: { type: 'json_object' },
      }),
      ctx(pool('sglang', { chatTemplate: 'mistral' })),
    );
    expect(request.path).toBe('/generate');
    const body = JSON.parse(request.body!);
    expect(body.text).toBe('<s>[INST] One word answers.\n\nCapital of France? [/INST]');
    expect(body.stream).toBe(true);
    expect(body.sampling_params).toEqual({
      max_new_tokens: 20,
      temperature: 0.5,
      stop: ['\n'],
      presence_penalty: 0.1,
      json_schema: '{"type":"object"}',
    });
    expect(() =>
      sglangAdapter.buildChat(req({ tools: [{ type: 'function', function: { name: 'f' } }] }), ctx(native)),
    ).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => sglangAdapter.buildChat(req(), ctx(pool('sglang', { chatTemplate: 'nope' })))).toThrow(
      /chatTemplate/,
    );
  });
});

describe('SGLang native budget', () => {
  const budgetOf = (r: ChatCompletionRequest, options: Record<string, unknown> = {}) =>
    JSON.parse(sglangAdapter.buildChat(r, ctx(pool('sglang', options))).body!).sampling_params.max_new_tokens;

  it('always sends one, since its own default is 128: the client’s, else the pool’s, else 1024', () => {
    expect(budgetOf(req({ max_tokens: 20 }))).toBe(20);
    expect(budgetOf(req({ max_tokens: undefined }), { maxTokens: 300 })).toBe(300);
    expect(budgetOf(req({ max_tokens: undefined }))).toBe(1024);
    const completion = sglangAdapter.completions!.build({ model: 'm', prompt: 'Once' }, ctx(native));
    expect(JSON.parse(completion.body!).sampling_params.max_new_tokens).toBe(1024);
  });
});

describe('SGLang OpenAI server', () => {
  it('relays its chunks (matched_stop, reasoning_content null) with the usage chunk', () => {
    const events = replay(sglangOpenAiAdapter.chatStream(ctx(oai)), chatUsage);
    expect(events.filter((e) => e.kind === 'chunk' && e.hasOutput)).toHaveLength(3);
    expect(events.at(-2)).toMatchObject({
      kind: 'chunk',
      usage: { prompt_tokens: 30, completion_tokens: 3 },
    });
    expect(events.at(-1)).toEqual({ kind: 'end' });
    const sse = encoded(events);
    expect(clientText(sse)).toBe('Paris.');
    expect(sse).toContain('"model":"client-model"');
    expect(sse).not.toContain('qwen/qwen2.5-0.5b-instruct');
  });

  it('turns an abort finish into an error and a missing [DONE] into a truncation', () => {
    const abort = chatUsage.replace('"finish_reason":"stop"', '"finish_reason":"abort"');
    const events = replay(sglangOpenAiAdapter.chatStream(ctx(oai)), abort);
    expect(events.at(-1)).toMatchObject({ kind: 'error', error: { status: 502, code: 'origin_error' } });
    expect(events.some((e) => e.kind === 'end')).toBe(false);
    const cut = chatUsage.slice(0, chatUsage.indexOf('data: [DONE]'));
    expect(replay(sglangOpenAiAdapter.chatStream(ctx(oai)), cut).at(-1)).toMatchObject({
      error: { code: 'origin_stream_truncated' },
    });
  });

  it('maps both error envelopes and reads health and load', () => {
    expect(sglangOpenAiAdapter.mapError(400, openAiErrorJson, new Headers())).toMatchObject({
      status: 400,
      code: 'context_length_exceeded',
    });
    expect(sglangAdapter.mapError(400, nativeErrorJson, new Headers())).toMatchObject({
      status: 400,
      code: 'context_length_exceeded',
    });
    expect(
      sglangAdapter.mapError(
        503,
        '{"object":"error","message":"The request queue is full.","code":503}',
        new Headers(),
      ).status,
    ).toBe(503);
    expect(sglangAdapter.health.interpret(200, '')).toBe('ready');
    expect(sglangAdapter.health.interpret(503, '')).toBe('loading');
    expect(sglangAdapter.health.interpret(500, '')).toBe('down');
    expect(
      sglangAdapter.metrics!.parse(
        'sglang:num_running_reqs{model_name="m"} 4\nsglang:num_queue_reqs{model_name="m"} 2\nsglang:token_usage{model_name="m"} 0.25\n',
      ),
    ).toEqual({ running: 4, waiting: 2, kvCacheUsage: 0.25 });
    expect(sglangOpenAiAdapter.embeddings).toBeDefined();
    expect(sglangOpenAiAdapter.completions?.stream).toBeDefined();
  });
});

describe('SGLang embeddings asked for as base64', () => {
  it('are encoded by the gateway when the engine answers floats anyway', () => {
    const embeddings = sglangOpenAiAdapter.embeddings!;
    const call = ctx(pool('sglang-openai'), { stream: false });
    embeddings.build({ model: 'm', input: 'hi', encoding_format: 'base64' }, call);
    const answer = embeddings.decode(
      '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,0.5]}],"model":"m","usage":{"prompt_tokens":1,"total_tokens":1}}',
      call,
    ) as { data: { embedding: unknown }[] };
    const embedding = answer.data[0]!.embedding as string;
    const bytes = Uint8Array.from(atob(embedding), (c) => c.charCodeAt(0));
    expect([...new Float32Array(bytes.buffer)]).toEqual([1, 0.5]);
    // Floats asked for stay floats; base64 an engine already sent stays as sent.
    const floats = ctx(pool('sglang-openai'), { stream: false });
    embeddings.build({ model: 'm', input: 'hi' }, floats);
    expect(
      (
        embeddings.decode(
          '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,0.5]}],"model":"m"}',
          floats,
        ) as { data: { embedding: unknown }[] }
      ).data[0]!.embedding,
    ).toEqual([1, 0.5]);
  });
});
