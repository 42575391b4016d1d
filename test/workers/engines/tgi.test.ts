import { describe, expect, it } from 'vitest';
import chatNonstream from '../../../../shared/fixtures/engines/tgi.chat.nonstream.json?raw';
import chatError from '../../../../shared/fixtures/engines/tgi.chat.stream.error.txt?raw';
import chatUsage from '../../../../shared/fixtures/engines/tgi.chat.stream.include_usage.txt?raw';
import chatStream from '../../../../shared/fixtures/engines/tgi.chat.stream.txt?raw';
import errorJson from '../../../../shared/fixtures/engines/tgi.error.json?raw';
import genNonstream from '../../../../shared/fixtures/engines/tgi.generate.nonstream.json?raw';
import midError from '../../../../shared/fixtures/engines/tgi.generate_stream.error-midstream.txt?raw';
import keepalive from '../../../../shared/fixtures/engines/tgi.generate_stream.keepalive.txt?raw';
import legacy from '../../../../shared/fixtures/engines/tgi.generate_stream.legacy-pre-2.1.txt?raw';
import genStream from '../../../../shared/fixtures/engines/tgi.generate_stream.txt?raw';
import { tgiAdapter, tgiMessagesAdapter } from '../../../origins/tgi/index.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { assertSplitInvariant, clientText, ctx, encoded, merged, pool, replay } from './replay-b.ts';

const native = pool('tgi');
const messages = pool('tgi-messages');
const req = (over: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [
    { role: 'system', content: 'Answer in one line.' },
    { role: 'user', content: 'Where is the API?' },
    { role: 'assistant', content: 'Which one?' },
    { role: 'user', content: 'The projects one.' },
  ],
  ...over,
});
const usage = (prompt: number, completion: number) => ({
  kind: 'usage',
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
});

describe('TGI /generate_stream', () => {
  it('decodes tokens, the final details (finish and counts) and ends without [DONE]', () => {
    const events = replay(tgiAdapter.chatStream(ctx(native)), genStream);
    expect(merged(events)).toEqual([
      { kind: 'delta', content: ' for /api/' },
      { kind: 'finish', reason: 'length' },
      usage(6, 4),
      { kind: 'end' },
    ]);
    const sse = encoded(events);
    expect(clientText(sse)).toBe(' for /api/');
    expect(sse).toContain('"finish_reason":"length"');
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('is identical whatever the byte split, for every transcript', () => {
    for (const text of [genStream, keepalive, legacy, midError]) {
      assertSplitInvariant(() => tgiAdapter.chatStream(ctx(native)), text);
    }
  });

  it('skips keep-alive comments', () => {
    expect(merged(replay(tgiAdapter.chatStream(ctx(native)), keepalive))).toEqual([
      { kind: 'delta', content: ' for /' },
      { kind: 'finish', reason: 'length' },
      usage(6, 2),
      { kind: 'end' },
    ]);
  });

  it('reads the pre-2.1 framing (no space) and derives the finish when details were not sent', () => {
    const decoded = tgiAdapter.chatStream(ctx(native));
    expect(merged(replay(decoded, legacy))).toEqual([
      { kind: 'delta', content: '.' },
      { kind: 'finish', reason: 'stop' },
      { kind: 'end' },
    ]);
    // With a budget of one token, one token used means the budget ran out.
    const call = ctx(native);
    tgiAdapter.buildChat(req({ max_tokens: 1 }), call);
    expect(replay(tgiAdapter.chatStream(call), legacy)).toContainEqual({ kind: 'finish', reason: 'length' });
  });

  it('drops the text of special tokens and maps eos_token to stop', () => {
    const text =
      'data: {"index":1,"token":{"id":5,"text":"Hi","logprob":-1,"special":false},"generated_text":null,"details":null}\n\n' +
      'data: {"index":2,"token":{"id":2,"text":"</s>","logprob":0,"special":true},"generated_text":"Hi","details":{"finish_reason":"eos_token","generated_tokens":2,"seed":null,"input_length":3}}\n\n';
    expect(merged(replay(tgiAdapter.chatStream(ctx(native)), text))).toEqual([
      { kind: 'delta', content: 'Hi' },
      { kind: 'finish', reason: 'stop' },
      usage(3, 2),
      { kind: 'end' },
    ]);
  });

  it('fails a stream that closes before its final token, and on in-stream errors by type', () => {
    const cut = genStream.slice(0, genStream.indexOf('data: {"index":4'));
    expect(replay(tgiAdapter.chatStream(ctx(native)), cut).at(-1)).toMatchObject({
      kind: 'error',
      error: { status: 502, code: 'origin_stream_truncated' },
    });
    const events = replay(tgiAdapter.chatStream(ctx(native)), midError);
    expect(events[0]).toEqual({ kind: 'delta', content: ' for' });
    expect(events.at(-1)).toMatchObject({ kind: 'error', error: { status: 502, code: 'origin_error' } });
    const validation = `data: ${errorJson.replace(/\s*\n\s*/g, '')}\n\n`;
    expect(replay(tgiAdapter.chatStream(ctx(native)), validation)).toEqual([
      { kind: 'error', error: expect.objectContaining({ status: 400, code: 'context_length_exceeded' }) },
    ]);
    const overloaded = 'data: {"error":"Model is overloaded","error_type":"overloaded"}\n\n';
    expect(replay(tgiAdapter.chatStream(ctx(native)), overloaded)[0]).toMatchObject({
      error: { status: 429, code: 'origin_overloaded' },
    });
    expect(replay(tgiAdapter.chatStream(ctx(native)), 'data: {"index":1,"tok\n\n')[0]).toMatchObject({
      error: { code: 'origin_malformed_stream' },
    });
  });
});

describe('TGI /generate (non-stream)', () => {
  it('answers the public shape with reported completion tokens and an estimated, flagged prompt count', () => {
    const call = ctx(native, { stream: false });
    tgiAdapter.buildChat(req(), call);
    const out = tgiAdapter.decodeChat(genNonstream, call);
    expect(out).toMatchObject({
      id: 'chatcmpl-req-1',
      object: 'chat.completion',
      model: 'client-model',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: ' for /api/v1/projects/1' },
          finish_reason: 'length',
        },
      ],
      usage: { completion_tokens: 10, eco_estimated: true },
    });
    expect(out.usage!.prompt_tokens).toBeGreaterThan(10);
    expect(() => tgiAdapter.decodeChat('{"details":null}', call)).toThrow(/generated_text/);
    expect(() => tgiAdapter.decodeChat('<html>', call)).toThrow(/not JSON/);
  });
});

describe('TGI native request building', () => {
  it('renders each role as its own turn and sends only parameters TGI validates', () => {
    const call = ctx(native, { stream: true });
    const request = tgiAdapter.buildChat(
      req({
        temperature: 0,
        top_p: 1,
        frequency_penalty: 0.5,
        stop: 'END',
        seed: 7,
        max_tokens: 9,
      }),
      call,
    );
    expect(request.path).toBe('/generate_stream');
    const body = JSON.parse(request.body!);
    expect(body.inputs).toBe(
      '<|im_start|>system\nAnswer in one line.<|im_end|>\n<|im_start|>user\nWhere is the API?<|im_end|>\n' +
        '<|im_start|>assistant\nWhich one?<|im_end|>\n<|im_start|>user\nThe projects one.<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(body.parameters).toEqual({
      details: true,
      return_full_text: false,
      max_new_tokens: 9,
      do_sample: false,
      seed: 7,
      stop: ['END'],
      frequency_penalty: 0.5,
    });
    const llama = tgiAdapter.buildChat(
      req(),
      ctx(pool('tgi', { chatTemplate: 'llama3' }), { stream: false }),
    );
    expect(llama.path).toBe('/generate');
    expect(JSON.parse(llama.body!).inputs).toContain(
      '<|start_header_id|>assistant<|end_header_id|>\n\nWhich one?<|eot_id|>',
    );
  });

  it('refuses tools and non-text parts with a 400, and maps structured output to a grammar', () => {
    expect(() =>
      tgiAdapter.buildChat(req({ tools: [{ type: 'function', function: { name: 'f' } }] }), ctx(native)),
    ).toThrow(expect.objectContaining({ status: 400, param: 'tools' }));
    const image = req({
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }],
    });
    expect(() => tgiAdapter.buildChat(image, ctx(native))).toThrow(expect.objectContaining({ status: 400 }));
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    const body = JSON.parse(
      tgiAdapter.buildChat(
        req({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } }),
        ctx(native),
      ).body!,
    );
    expect(body.parameters.grammar).toEqual({ type: 'json', value: schema });
  });
});

describe('TGI Messages API', () => {
  it('decodes chunks natively (empty id, repeated role) and ends on [DONE]', () => {
    for (const text of [chatStream, chatUsage, chatError]) {
      assertSplitInvariant(() => tgiMessagesAdapter.chatStream(ctx(messages)), text);
    }
    expect(merged(replay(tgiMessagesAdapter.chatStream(ctx(messages)), chatStream))).toEqual([
      { kind: 'delta', content: 'OK!' },
      { kind: 'finish', reason: 'stop' },
      { kind: 'end' },
    ]);
    const events = replay(tgiMessagesAdapter.chatStream(ctx(messages)), chatUsage);
    expect(events).toContainEqual(usage(39, 3));
    const sse = encoded(events);
    expect(sse).not.toContain('"id":""');
    expect(sse).toContain('"usage":{"prompt_tokens":39,"completion_tokens":3,"total_tokens":42}');
  });

  it('maps stop_sequence to stop and fails on error events and on a missing [DONE]', () => {
    const stopSeq = chatStream.replace('"finish_reason":"stop"', '"finish_reason":"stop_sequence"');
    expect(replay(tgiMessagesAdapter.chatStream(ctx(messages)), stopSeq)).toContainEqual({
      kind: 'finish',
      reason: 'stop',
    });
    const events = replay(tgiMessagesAdapter.chatStream(ctx(messages)), chatError);
    expect(events[0]).toEqual({ kind: 'delta', content: 'OK' });
    expect(events.at(-1)).toMatchObject({ kind: 'error', error: { status: 502, code: 'origin_error' } });
    const tooLong =
      'data: {"error":{"message":"Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 200 `max_new_tokens`","http_status_code":422}}\n\ndata: [DONE]\n\n';
    expect(replay(tgiMessagesAdapter.chatStream(ctx(messages)), tooLong)[0]).toMatchObject({
      error: { status: 400, code: 'context_length_exceeded' },
    });
    const cut = chatStream.slice(0, chatStream.indexOf('data: [DONE]'));
    expect(replay(tgiMessagesAdapter.chatStream(ctx(messages)), cut).at(-1)).toMatchObject({
      error: { code: 'origin_stream_truncated' },
    });
  });

  it('decodes the non-stream answer with our id and the client model', () => {
    const out = tgiMessagesAdapter.decodeChat(chatNonstream, ctx(messages, { stream: false }));
    expect(out.id).toBe('chatcmpl-req-1');
    expect(out.model).toBe('client-model');
    expect(out.choices[0]!.finish_reason).toBe('length');
    expect(out.usage).toEqual({ prompt_tokens: 61, completion_tokens: 100, total_tokens: 161 });
    const eos = tgiMessagesAdapter.decodeChat(
      chatNonstream.replace('"length"', '"eos_token"'),
      ctx(messages),
    );
    expect(eos.choices[0]!.finish_reason).toBe('stop');
  });

  it('sends only fields TGI reads, max_tokens by its old name, and structured output as a grammar', () => {
    const body = JSON.parse(
      tgiMessagesAdapter.buildChat(
        req({
          n: 1,
          user: 'u',
          parallel_tool_calls: true,
          max_completion_tokens: 5,
          response_format: { type: 'json_object' },
        }),
        ctx(messages),
      ).body!,
    );
    expect(body).not.toHaveProperty('n');
    expect(body).not.toHaveProperty('user');
    expect(body).not.toHaveProperty('parallel_tool_calls');
    expect(body.max_tokens).toBe(5);
    expect(body.response_format).toEqual({ type: 'json', value: { type: 'object' } });
    expect(body.messages).toHaveLength(4);
  });
});

describe('TGI errors, health and metrics', () => {
  it('maps 422 validation, 429 overload and 503', () => {
    expect(tgiAdapter.mapError(422, errorJson, new Headers())).toMatchObject({
      status: 400,
      code: 'context_length_exceeded',
    });
    const overloaded = tgiAdapter.mapError(
      429,
      '{"error":"Model is overloaded","error_type":"overloaded"}',
      new Headers({ 'retry-after': '2' }),
    );
    expect(overloaded).toMatchObject({ status: 429, code: 'origin_overloaded', retryAfterMs: 2000 });
    expect(tgiAdapter.mapError(424, '{"error":"x","error_type":"generation"}', new Headers()).status).toBe(
      502,
    );
  });

  it('reads /health and the queue gauges', () => {
    expect(tgiAdapter.health.interpret(200, '')).toBe('ready');
    expect(tgiAdapter.health.interpret(503, '{"error":"unhealthy","error_type":"healthcheck"}')).toBe('down');
    expect(
      tgiAdapter.metrics!.parse('# TYPE tgi_queue_size gauge\ntgi_queue_size 3\ntgi_batch_current_size 5\n'),
    ).toEqual({ running: 5, waiting: 3 });
    expect(tgiMessagesAdapter.embeddings).toBeUndefined();
    expect(tgiAdapter.embeddings).toBeUndefined();
  });
});
