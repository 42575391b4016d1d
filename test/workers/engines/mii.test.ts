import { describe, expect, it } from 'vitest';
import errorJson from '../../../../shared/fixtures/engines/deepspeed-mii.error.json?raw';
import openAiNonstream from '../../../../shared/fixtures/engines/deepspeed-mii.openai-chat.nonstream.json?raw';
import openAiStream from '../../../../shared/fixtures/engines/deepspeed-mii.openai-chat.stream.txt?raw';
import restNonstream from '../../../../shared/fixtures/engines/deepspeed-mii.restful.nonstream.json?raw';
import { miiOpenAiAdapter, miiRestAdapter } from '../../../origins/deepspeed-mii/index.ts';
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

const rest = pool('deepspeed-mii');
const oai = pool('deepspeed-mii-openai');
const req = (over: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [
    { role: 'developer', content: 'be brief' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is ' },
        { type: 'text', text: 'DeepSpeed?' },
      ],
    },
  ],
  max_tokens: 16,
  ...over,
});

describe('MII OpenAI server stream conformance', () => {
  it('decodes chunks without object/created to native events and re-encodes them', () => {
    const events = replay(miiOpenAiAdapter.chatStream(ctx(oai)), openAiStream);
    expect(merged(events)).toEqual([
      { kind: 'delta', role: 'assistant' },
      { kind: 'delta', content: ' DeepSpeed is' },
      { kind: 'finish', reason: 'length' },
      { kind: 'end' },
    ]);
    const sse = encoded(events);
    expect(clientText(sse)).toBe(' DeepSpeed is');
    expect(sse).toContain('"object":"chat.completion.chunk"');
    expect(sse).toContain('"eco_estimated":true');
    expect(sse).not.toContain('Mistral');
  });

  it('is identical whatever the byte split', () => {
    assertSplitInvariant(() => miiOpenAiAdapter.chatStream(ctx(oai)), openAiStream);
  });

  it('fails a stream without [DONE], a broken chunk and an in-band error', () => {
    const noDone = openAiStream.slice(0, openAiStream.indexOf('data: [DONE]'));
    expect(replay(miiOpenAiAdapter.chatStream(ctx(oai)), noDone).at(-1)).toMatchObject({
      kind: 'error',
      error: { code: 'origin_stream_truncated' },
    });
    expect(replay(miiOpenAiAdapter.chatStream(ctx(oai)), 'data: {"id": "x", "choi\n\n').at(-1)).toMatchObject(
      {
        kind: 'error',
        error: { code: 'origin_malformed_stream' },
      },
    );
    const inBand = `data: ${errorJson.replace(/\s+/g, ' ')}\n\n`;
    expect(replay(miiOpenAiAdapter.chatStream(ctx(oai)), inBand).at(-1)).toMatchObject({
      kind: 'error',
      error: { status: 502, code: 'origin_error' },
    });
  });

  it('decodes the non-stream answer with its usage', () => {
    const out = miiOpenAiAdapter.decodeChat(openAiNonstream, ctx(oai, { stream: false }));
    expect(out.model).toBe('client-model');
    expect(out.choices[0]?.message.content).toBe(' DeepSpeed is a deep learning optimization library.');
    expect(out.usage).toEqual({ prompt_tokens: 6, completion_tokens: 11, total_tokens: 17 });
  });

  it('sends string contents and only the fields MII knows', () => {
    const body = JSON.parse(
      miiOpenAiAdapter.buildChat(req({ stop: ['x'], temperature: 0.3 }), ctx(oai)).body ?? '{}',
    );
    expect(body).toEqual({
      model: 'engine-model',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'What is DeepSpeed?' },
      ],
      max_tokens: 16,
      temperature: 0.3,
      stop: ['x'],
      stream: true,
    });
  });

  it('maps FastChat errors: invalid model is the gateway’s fault, validation the client’s', () => {
    expect(miiOpenAiAdapter.mapError(400, errorJson, new Headers())).toMatchObject({
      status: 502,
      code: 'origin_error',
    });
    const invalid = '{"object": "error", "message": "messages: field required", "code": 40001}';
    expect(miiOpenAiAdapter.mapError(400, invalid, new Headers())).toMatchObject({ status: 400 });
    expect(miiOpenAiAdapter.embeddings).toBeUndefined();
    expect(miiOpenAiAdapter.completions).toBeDefined();
  });
});

describe('MII RESTful gateway', () => {
  it('posts the templated prompt to /mii/<deployment>', () => {
    const r = miiRestAdapter.buildChat(req({ temperature: 0 }), ctx(rest, { stream: true }));
    expect(r.path).toBe('/mii/engine-model');
    const body = JSON.parse(r.body ?? '{}');
    expect(body).toEqual({
      prompts: [
        '<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nWhat is DeepSpeed?<|im_end|>\n<|im_start|>assistant\n',
      ],
      max_new_tokens: 16,
      do_sample: false,
    });
    const named = miiRestAdapter.buildChat(req(), ctx(pool('deepspeed-mii', { deployment: 'my deploy' })));
    expect(named.path).toBe('/mii/my%20deploy');
  });

  it('decodes the first answer with reported usage and finish', () => {
    const c = ctx(rest, { stream: false });
    miiRestAdapter.buildChat(req(), c);
    const out = miiRestAdapter.decodeChat(restNonstream, c);
    expect(out.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: ' a deep learning optimization library that makes distributed training easy.',
        refusal: null,
      },
      logprobs: null,
      finish_reason: 'stop',
    });
    expect(out.usage).toEqual({ prompt_tokens: 3, completion_tokens: 13, total_tokens: 16 });
  });

  it('derives the finish reason when MII says none', () => {
    const c = ctx(rest, { stream: false });
    miiRestAdapter.buildChat(req({ max_tokens: 4 }), c);
    const body = '[{"finish_reason":"none","generated_length":4,"generated_text":"abcd","prompt_length":2}]';
    expect(miiRestAdapter.decodeChat(body, c).choices[0]?.finish_reason).toBe('length');
  });

  it('replays a stream request as one delta, finish and usage, whatever the split', () => {
    const c = ctx(rest);
    miiRestAdapter.buildChat(req(), c);
    const events = replay(miiRestAdapter.chatStream(c), restNonstream);
    expect(events).toEqual([
      {
        kind: 'delta',
        content: ' a deep learning optimization library that makes distributed training easy.',
      },
      { kind: 'finish', reason: 'stop' },
      { kind: 'usage', usage: { prompt_tokens: 3, completion_tokens: 13, total_tokens: 16 } },
      { kind: 'end' },
    ]);
    assertSplitInvariant(() => miiRestAdapter.chatStream(c), restNonstream);
  });

  it('fails an empty, cut or shapeless answer', () => {
    const c = ctx(rest);
    expect(replay(miiRestAdapter.chatStream(c), '').at(-1)).toMatchObject({
      kind: 'error',
      error: { code: 'origin_stream_truncated' },
    });
    expect(replay(miiRestAdapter.chatStream(c), restNonstream.slice(0, 40)).at(-1)).toMatchObject({
      kind: 'error',
      error: { code: 'origin_malformed_response' },
    });
    expect(() => miiRestAdapter.decodeChat('{"message":"x"}', c)).toThrow(
      expect.objectContaining({ status: 502, code: 'origin_malformed_response' }),
    );
  });

  it('maps Flask errors, probes /healthz, and has completions but no embeddings', () => {
    expect(miiRestAdapter.mapError(500, '{"message": "Internal Server Error"}', new Headers())).toMatchObject(
      {
        status: 502,
      },
    );
    expect(miiRestAdapter.health.request(rest).path).toBe('/healthz');
    expect(miiRestAdapter.health.interpret(200, 'ok')).toBe('ready');
    expect(miiRestAdapter.health.interpret(502, '')).toBe('down');
    expect(miiRestAdapter.completions).toBeDefined();
    expect(miiRestAdapter.embeddings).toBeUndefined();
  });
});

describe('MII RESTful /v1/completions', () => {
  const completions = miiRestAdapter.completions!;
  const creq = (over: Record<string, unknown> = {}) => ({
    model: 'client-model',
    prompt: 'DeepSpeed is',
    max_tokens: 16,
    ...over,
  });
  const answer = ' a deep learning optimization library that makes distributed training easy.';

  it('posts the raw prompt, untemplated, to /mii/<deployment>, stream or not', () => {
    for (const stream of [false, true]) {
      const request = completions.build(
        creq({ temperature: 0, top_p: 0.9, stop: ['\n'] }),
        ctx(pool('deepspeed-mii', { deployment: 'mii-dep' }), { stream }),
      );
      expect(request.path).toBe('/mii/mii-dep');
      expect(JSON.parse(request.body ?? '{}')).toEqual({
        prompts: ['DeepSpeed is'],
        max_new_tokens: 16,
        do_sample: false,
        top_p: 0.9,
        stop: ['\n'],
      });
    }
  });

  it('refuses several prompts and options the endpoint has no input for', () => {
    for (const [over, param] of [
      [{ prompt: ['a', 'b'] }, 'prompt'],
      [{ echo: true }, 'echo'],
      [{ suffix: 's' }, 'suffix'],
      [{ logprobs: 1 }, 'logprobs'],
    ] as const) {
      expect(() => completions.build(creq(over), ctx(rest))).toThrow(
        expect.objectContaining({ status: 400, param }),
      );
    }
  });

  it('decodes the first answer as a text_completion with reported usage', () => {
    const c = ctx(rest, { stream: false });
    completions.build(creq(), c);
    expect(completions.decode(restNonstream, c)).toEqual({
      id: 'cmpl-req-1',
      object: 'text_completion',
      created: 1_700_000_000,
      model: 'client-model',
      choices: [{ index: 0, text: answer, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 13, total_tokens: 16 },
    });
    expect(() => completions.decode('[{"generated_text":"x"}]', c)).toThrow(
      expect.objectContaining({ status: 502, code: 'origin_malformed_response' }),
    );
  });

  it('replays a streamed completion as one text chunk, whatever the split', () => {
    const c = ctx(rest);
    completions.build(creq(), c);
    const events = replay(completions.stream!(c), restNonstream);
    expect(events).toEqual([
      { kind: 'delta', content: answer },
      { kind: 'finish', reason: 'stop' },
      { kind: 'usage', usage: { prompt_tokens: 3, completion_tokens: 13, total_tokens: 16 } },
      { kind: 'end' },
    ]);
    const sse = textChunks(events);
    expect(sse).toContain(`"text":${JSON.stringify(answer)}`);
    expect(sse).toContain('"object":"text_completion"');
    assertSplitInvariant(() => completions.stream!(c), restNonstream, 50);
    expect(replay(completions.stream!(c), restNonstream.slice(0, 30)).at(-1)).toMatchObject({
      kind: 'error',
      error: { status: 502, code: 'origin_malformed_response' },
    });
  });
});
