import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import chatNonstream from '../../../../shared/fixtures/engines/ollama.chat.nonstream.json?raw';
import chatLength from '../../../../shared/fixtures/engines/ollama.chat.stream.length.ndjson.txt?raw';
import chatStream from '../../../../shared/fixtures/engines/ollama.chat.stream.ndjson.txt?raw';
import errorJson from '../../../../shared/fixtures/engines/ollama.error.json?raw';
import genNonstream from '../../../../shared/fixtures/engines/ollama.generate.nonstream.json?raw';
import genError from '../../../../shared/fixtures/engines/ollama.generate.stream.error-midstream.ndjson.txt?raw';
import genStream from '../../../../shared/fixtures/engines/ollama.generate.stream.ndjson.txt?raw';
import pullError from '../../../../shared/fixtures/engines/ollama.pull.stream.error.ndjson.txt?raw';
import pullStream from '../../../../shared/fixtures/engines/ollama.pull.stream.ndjson.txt?raw';
import { ollamaAdapter } from '../../../origins/ollama/index.ts';
import type { PullProgress } from '../../../origins/types.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { assertSplitInvariant, clientText, ctx, cutsIn, encoded, merged, pool, replay } from './replay-b.ts';

const ollama = pool('ollama', { numCtx: 8192, keepAlive: '10m' });
const req = (over: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [
    { role: 'system', content: 'Be short.' },
    { role: 'user', content: 'Why is the sky blue?' },
  ],
  ...over,
});
const usage = (prompt: number, completion: number) => ({
  kind: 'usage',
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
});
const completions = ollamaAdapter.completions!;

describe('Ollama /api/chat NDJSON', () => {
  it('decodes deltas, then done_reason and the eval counts of the done line', () => {
    const events = replay(ollamaAdapter.chatStream(ctx(ollama)), chatStream);
    expect(merged(events)).toEqual([
      { kind: 'delta', content: 'The sky' },
      { kind: 'finish', reason: 'stop' },
      usage(26, 282),
      { kind: 'end' },
    ]);
    expect(clientText(encoded(events))).toBe('The sky');
    expect(merged(replay(ollamaAdapter.chatStream(ctx(ollama)), chatLength))).toEqual([
      { kind: 'delta', content: 'The sky is' },
      { kind: 'finish', reason: 'length' },
      usage(26, 3),
      { kind: 'end' },
    ]);
  });

  it('is identical whatever the byte split, for every transcript', () => {
    for (const text of [chatStream, chatLength])
      assertSplitInvariant(() => ollamaAdapter.chatStream(ctx(ollama)), text);
    for (const text of [genStream, genError])
      assertSplitInvariant(() => completions.stream!(ctx(ollama)), text);
  });

  it('fails without the done line, on an error line and on a malformed line', () => {
    const cut = chatStream.slice(0, chatStream.lastIndexOf('{"model"'));
    expect(replay(ollamaAdapter.chatStream(ctx(ollama)), cut).at(-1)).toMatchObject({
      error: { status: 502, code: 'origin_stream_truncated' },
    });
    const events = replay(completions.stream!(ctx(ollama)), genError);
    expect(events.at(-1)).toMatchObject({ kind: 'error', error: { status: 502, code: 'origin_error' } });
    expect(events.some((e) => e.kind === 'end')).toBe(false);
    expect(
      replay(ollamaAdapter.chatStream(ctx(ollama)), '{"model":"x","message":{"con\n').at(-1),
    ).toMatchObject({
      error: { code: 'origin_malformed_stream' },
    });
    const load =
      '{"model":"x","created_at":"t","message":{"role":"assistant","content":""},"done":true,"done_reason":"load"}\n';
    expect(replay(ollamaAdapter.chatStream(ctx(ollama)), load).at(-1)).toMatchObject({ kind: 'error' });
  });

  it('an error line whose value is not a string still says what failed', () => {
    const message = (line: string) => {
      const last = replay(ollamaAdapter.chatStream(ctx(ollama)), `${line}\n`).at(-1);
      return last?.kind === 'error' ? last.error.message : '';
    };
    expect(message('{"error":{"message":"out of memory"}}')).toBe('Ollama: out of memory');
    expect(message('{"error":{"code":500}}')).toBe('Ollama: {"code":500}');
    expect(message('{"error":"model not loaded"}')).toBe('Ollama: model not loaded');
  });

  it('turns tool calls (arguments as objects) into OpenAI tool calls and finishes with tool_calls', () => {
    const text =
      '{"model":"m","created_at":"t","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Paris"}}}]},"done":false}\n' +
      '{"model":"m","created_at":"t","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":5,"eval_count":9}\n';
    const events = replay(ollamaAdapter.chatStream(ctx(ollama)), text);
    expect(events[0]).toEqual({
      kind: 'delta',
      toolCalls: [
        {
          index: 0,
          id: 'call_req-1_0',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
        },
      ],
    });
    expect(events).toContainEqual({ kind: 'finish', reason: 'tool_calls' });
  });

  it('estimates (and flags) the prompt count when Ollama served the prompt from its cache', () => {
    const call = ctx(ollama);
    ollamaAdapter.buildChat(req(), call);
    const text =
      '{"model":"m","created_at":"t","message":{"role":"assistant","content":"x"},"done":true,"done_reason":"stop","eval_count":1}\n';
    const events = replay(ollamaAdapter.chatStream(call), text);
    expect(events).toContainEqual({
      kind: 'usage',
      usage: expect.objectContaining({ completion_tokens: 1, eco_estimated: true }),
    });
  });
});

describe('Ollama non-stream answers', () => {
  it('decodes /api/chat into the public shape', () => {
    expect(ollamaAdapter.decodeChat(chatNonstream, ctx(ollama, { stream: false }))).toEqual({
      id: 'chatcmpl-req-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'client-model',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hello! How are you today?', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 26, completion_tokens: 298, total_tokens: 324 },
    });
    expect(() => ollamaAdapter.decodeChat('{"done":false}', ctx(ollama))).toThrow(
      expect.objectContaining({ status: 502 }),
    );
  });

  it('serves /v1/completions through /api/generate and /v1/embeddings through /api/embed', () => {
    const call = ctx(ollama, { stream: false });
    const request = completions.build({ model: 'm', prompt: 'Hi', max_tokens: 4, suffix: ' end' }, call);
    expect(request.path).toBe('/api/generate');
    expect(JSON.parse(request.body!)).toMatchObject({
      model: 'engine-model',
      prompt: 'Hi',
      suffix: ' end',
      stream: false,
      keep_alive: '10m',
      options: { num_predict: 4, num_ctx: 8192 },
    });
    expect(completions.decode(genNonstream, call)).toMatchObject({
      object: 'text_completion',
      model: 'client-model',
      choices: [{ text: 'Hello! How can I help you today?', finish_reason: 'stop' }],
      usage: { prompt_tokens: 11, completion_tokens: 18, total_tokens: 29 },
    });
    expect(() => completions.build({ model: 'm', prompt: ['a', 'b'] }, call)).toThrow(
      expect.objectContaining({ status: 400 }),
    );
    const embeddings = ollamaAdapter.embeddings!;
    const embedCall = ctx(ollama, { stream: false });
    expect(
      JSON.parse(embeddings.build({ model: 'm', input: ['a', 'b'], dimensions: 2 }, embedCall).body!),
    ).toMatchObject({
      input: ['a', 'b'],
      dimensions: 2,
      truncate: false,
    });
    expect(
      embeddings.decode('{"model":"m","embeddings":[[0.5,1],[1,0.5]],"prompt_eval_count":2}', embedCall),
    ).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.5, 1] },
        { object: 'embedding', index: 1, embedding: [1, 0.5] },
      ],
      model: 'client-model',
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
    const b64 = ctx(ollama);
    embeddings.build({ model: 'm', input: 'a', encoding_format: 'base64' }, b64);
    const vector = (
      embeddings.decode('{"embeddings":[[1]],"prompt_eval_count":1}', b64).data as { embedding: string }[]
    )[0]!;
    expect(vector.embedding).toBe('AACAPw==');
    expect(() => embeddings.build({ model: 'm', input: [[1, 2]] }, b64)).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });
});

describe('Ollama answers of the wrong shape', () => {
  it('an embedding that is not a list of numbers is a 502, not a 200 (nor zeros in base64)', () => {
    const embeddings = ollamaAdapter.embeddings!;
    for (const base64 of [false, true]) {
      const call = ctx(ollama, { stream: false });
      if (base64) embeddings.build({ model: 'm', input: 'a', encoding_format: 'base64' }, call);
      for (const body of ['{"embeddings":[1,2]}', '{"embeddings":[["x"]]}', '{"embeddings":[null]}']) {
        expect(() => embeddings.decode(body, call), body).toThrow(
          expect.objectContaining({ status: 502, code: 'origin_malformed_response' }),
        );
      }
    }
  });
});

describe('Ollama request building', () => {
  it('keeps every role, maps sampling to options, and sends tool history with object arguments', () => {
    const body = JSON.parse(
      ollamaAdapter.buildChat(
        req({
          max_completion_tokens: 12,
          temperature: 0.2,
          stop: ['x'],
          seed: 3,
          response_format: { type: 'json_object' },
          messages: [
            { role: 'developer', content: 'rules' },
            {
              role: 'user',
              content: [
                { type: 'text', text: 'look' },
                { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
              ],
            },
            {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
            },
            { role: 'tool', tool_call_id: 'c1', content: 'result' },
          ],
        }),
        ctx(ollama),
      ).body!,
    );
    expect(body.messages).toEqual([
      { role: 'system', content: 'rules' },
      { role: 'user', content: 'look', images: ['AAAA'] },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }] },
      { role: 'tool', content: 'result', tool_name: 'f' },
    ]);
    expect(body).toMatchObject({
      model: 'engine-model',
      stream: true,
      format: 'json',
      keep_alive: '10m',
      options: { num_predict: 12, temperature: 0.2, stop: ['x'], seed: 3, num_ctx: 8192 },
    });
    const remote = req({
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/p.png' } }] }],
    });
    expect(() => ollamaAdapter.buildChat(remote, ctx(ollama))).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });
});

describe('Ollama errors, missing models, pulls, health', () => {
  it('recognises a missing model in both of its 404 wordings and nothing else', () => {
    expect(ollamaAdapter.missingModel!(404, errorJson)).toBe(true);
    expect(
      ollamaAdapter.missingModel!(
        404,
        '{"error":"model \\"qwen2.5:0.5b\\" not found, try pulling it first"}',
      ),
    ).toBe(true);
    expect(ollamaAdapter.missingModel!(500, errorJson)).toBe(false);
    expect(ollamaAdapter.missingModel!(404, '404 page not found')).toBe(false);
    const busy = ollamaAdapter.mapError(
      503,
      '{"error":"server busy, please try again.  maximum pending requests exceeded"}',
      new Headers({ 'retry-after': '1' }),
    );
    expect(busy).toMatchObject({ status: 503, code: 'origin_unavailable', retryAfterMs: 1000 });
  });

  const pullLines = (text: string, cuts: number[] = []) => {
    const decoder = ollamaAdapter.pull!.progress();
    const bytes = new TextEncoder().encode(text);
    const out: PullProgress[] = [];
    let start = 0;
    for (const point of [...new Set(cuts)].sort((a, b) => a - b).concat(bytes.length)) {
      out.push(...decoder.push(bytes.slice(start, point)));
      start = point;
    }
    return [...out, ...decoder.end()];
  };

  it('decodes pull progress, the success line and an error after the 200, whatever the split', () => {
    const ok = pullLines(pullStream);
    expect(ok.at(-1)).toEqual({ status: 'success' });
    expect(ok[2]).toMatchObject({
      total: 2019377376,
      completed: 241970,
      digest: expect.stringMatching(/^sha256:/),
    });
    expect(pullLines(pullError).at(-1)).toEqual({ error: 'pull model manifest: file does not exist' });
    const request = ollamaAdapter.pull!.build('qwen2.5:0.5b', ollama);
    expect(request).toMatchObject({ method: 'POST', path: '/api/pull' });
    expect(JSON.parse(request.body!)).toEqual({ model: 'qwen2.5:0.5b', stream: true });
    const length = new TextEncoder().encode(pullStream).length;
    fc.assert(
      fc.property(
        cutsIn(length),
        (cuts) => JSON.stringify(pullLines(pullStream, cuts)) === JSON.stringify(ok),
      ),
    );
  });

  it('reads GET / as liveness', () => {
    expect(ollamaAdapter.health.request(ollama).path).toBe('/');
    expect(ollamaAdapter.health.interpret(200, 'Ollama is running')).toBe('ready');
    expect(ollamaAdapter.health.interpret(200, '<html>proxy</html>')).toBe('down');
    expect(ollamaAdapter.health.interpret(503, '')).toBe('loading');
    expect(ollamaAdapter.metrics!.request(ollama).path).toBe('/api/ps');
  });
});
