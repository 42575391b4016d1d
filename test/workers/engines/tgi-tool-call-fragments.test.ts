import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { tgiMessagesAdapter } from '../../../origins/tgi/index.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { assertSplitInvariant, ctx, encoded, pool, replay } from './replay-b.ts';
import { sdkAssembled } from './sdk-assembly.ts';

// TGI serialises its DeltaToolCall whole on every fragment: `index`, `id` (empty on older releases),
// `type` and `function.name`, null after the first. OpenAI sends the identity once per call.

const tgiPool = pool('tgi-messages');
const head = {
  object: 'chat.completion.chunk',
  id: '',
  created: 1,
  model: 'm',
  system_fingerprint: '3.1.2-native',
};

/** One TGI tool-call chunk; `list` false writes the call as one object, as releases before 3.0 did. */
const toolChunk = (
  id: string,
  name: string | null,
  args: string,
  finish: string | null = null,
  list = true,
) => {
  const call = { index: 0, id, type: 'function', function: { name, arguments: args } };
  const delta = { role: 'assistant', tool_calls: list ? [call] : call };
  return `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null })}\n\n`;
};

const transcript = (id: string, list = true) =>
  toolChunk(id, 'get_weather', '{', null, list) +
  toolChunk(id, null, '"location":', null, list) +
  toolChunk(id, null, ' "Paris"', null, list) +
  toolChunk(id, null, '}', 'eos_token', list) +
  'data: [DONE]\n\n';

function streamCtx() {
  const c = ctx(tgiPool);
  tgiMessagesAdapter.buildChat(
    {
      model: 'client-model',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    } as ChatCompletionRequest,
    c,
  );
  return c;
}

/** Every tool-call fragment of the client's chunks, in order. */
function fragments(sse: string) {
  return sse
    .split('\n\n')
    .filter((b) => b.startsWith('data: {'))
    .flatMap((b) => (JSON.parse(b.slice(6)) as ChatCompletionChunk).choices[0]?.delta.tool_calls ?? []);
}

describe('TGI Messages API tool-call stream fragments', () => {
  for (const [label, id, list] of [
    ['an empty id (older releases)', '', true],
    ["TGI's constant id", '0', true],
    ['the call written as one object', '', false],
  ] as const) {
    it(`gives the identity once, on the first fragment, with ${label}`, () => {
      const sse = encoded(replay(tgiMessagesAdapter.chatStream(streamCtx()), transcript(id, list)));
      const parts = fragments(sse);
      expect(parts).toHaveLength(4);
      const [first, ...rest] = parts;
      expect(first).toMatchObject({
        index: 0,
        type: 'function',
        function: { name: 'get_weather', arguments: '{' },
      });
      expect(first!.id).toMatch(/^call_[0-9a-f]{24}$/);
      for (const part of rest) expect(Object.keys(part).sort()).toEqual(['function', 'index']);
      expect(rest.map((p) => p.function)).toEqual([
        { arguments: '"location":' },
        { arguments: ' "Paris"' },
        { arguments: '}' },
      ]);
    });
  }

  it('keeps an id the engine made usable', () => {
    const sse = encoded(replay(tgiMessagesAdapter.chatStream(streamCtx()), transcript('chatcmpl-tool-7')));
    expect(fragments(sse)[0]!.id).toBe('chatcmpl-tool-7');
  });

  it("assembles in openai-node's ChatCompletionStream", async () => {
    const sse = encoded(replay(tgiMessagesAdapter.chatStream(streamCtx()), transcript('')));
    const done = await sdkAssembled(sse);
    const choice = done.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls).toHaveLength(1);
    expect(choice.message.tool_calls![0]).toMatchObject({
      type: 'function',
      function: { name: 'get_weather', arguments: '{"location": "Paris"}' },
    });
  });

  it('decodes alike whatever the byte split', () => {
    // Fresh ids differ between runs: compared without them.
    const make = () => {
      const inner = tgiMessagesAdapter.chatStream(streamCtx());
      const strip = (events: ReturnType<typeof inner.push>) =>
        events.map((e) =>
          e.kind === 'delta' && e.toolCalls
            ? { ...e, toolCalls: e.toolCalls.map((t) => ({ ...(t as object), id: undefined })) }
            : e,
        );
      return { push: (b: Uint8Array) => strip(inner.push(b)), end: () => strip(inner.end()) };
    };
    assertSplitInvariant(make, transcript(''), 50);
  });

  it('ends the stream with an error on a fragment that is not a tool call', () => {
    const bad = `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: -1, function: 7 }] }, logprobs: null, finish_reason: null }], usage: null })}\n\n`;
    const events = replay(tgiMessagesAdapter.chatStream(streamCtx()), `${bad}data: [DONE]\n\n`);
    expect(events.at(-1)).toMatchObject({ kind: 'error', error: { code: 'origin_malformed_stream' } });
  });
});

/** TGI's non-stream answer writes `"0"` as every call's id, and `description: null` in the function. */
const answer = (calls: number) =>
  JSON.stringify({
    object: 'chat.completion',
    id: '',
    created: 1,
    model: 'm',
    system_fingerprint: '3.1.2-native',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          tool_calls: Array.from({ length: calls }, (_, i) => ({
            id: '0',
            type: 'function',
            function: { description: null, name: `tool_${i}`, arguments: { n: i } },
          })),
        },
        logprobs: null,
        finish_reason: 'eos_token',
      },
    ],
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
  });

describe('TGI Messages API non-stream tool calls', () => {
  it('gives each call an id of its own, in OpenAI shape', () => {
    const out = tgiMessagesAdapter.decodeChat(answer(2), ctx(tgiPool, { stream: false }));
    const calls = out.choices[0]!.message.tool_calls as { id: string; type: string; function: object }[];
    expect(calls).toHaveLength(2);
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
    for (const [i, call] of calls.entries()) {
      expect(call.id).toMatch(/^call_[0-9a-f]{24}$/);
      expect(call).toEqual({
        id: call.id,
        type: 'function',
        function: { name: `tool_${i}`, arguments: `{"n":${i}}` },
      });
    }
  });
});
