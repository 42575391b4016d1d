import { describe, expect, it } from 'vitest';
import { adapterFor } from '../../../origins/registry.ts';
import type { EngineProtocol } from '../../../schemas/config.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import type { StreamEvent } from '../../../schemas/stream-events.ts';
import { assertSplitInvariant, ctx, encoded, pool, replay } from './replay-b.ts';

// `parallel_tool_calls: false` on the engines whose OpenAI-style answers are relayed or decoded. None
// of them guarantees one call in every release (trtllm-serve's request model says it is not enforced,
// LMDeploy up to 0.16 and vLLM before 0.11.1 filter nothing, SGLang only shapes some grammars with
// it), so the gateway keeps the first call, on answers and on streams.

const tools: ChatCompletionRequest['tools'] = [
  { type: 'function', function: { name: 'weather', parameters: { type: 'object' } } },
];

function call(protocol: EngineProtocol, parallel: boolean | undefined, stream: boolean) {
  const c = ctx(pool(protocol), { stream });
  const body = adapterFor(protocol)!.buildChat(
    {
      model: 'client-model',
      messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }],
      tools,
      ...(parallel === undefined ? {} : { parallel_tool_calls: parallel }),
    },
    c,
  ).body!;
  return { c, body: JSON.parse(body) as Record<string, unknown> };
}

const toolCall = (i: number, city: string) => ({
  id: `call_${i}`,
  type: 'function',
  function: { name: 'weather', arguments: JSON.stringify({ city }) },
});
const answer = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'engine-model',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: null, tool_calls: [toolCall(0, 'Paris'), toolCall(1, 'Rome')] },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 9, completion_tokens: 20, total_tokens: 29 },
});

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'engine-model',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;
const fragment = (index: number, fn: Record<string, unknown>, id?: string) => ({
  index,
  ...(id ? { id, type: 'function' } : {}),
  function: fn,
});
// vLLM/SGLang/LMDeploy style: each call opens with its id and name, then argument pieces follow.
const streamed =
  chunk({ role: 'assistant', content: '' }) +
  chunk({ tool_calls: [fragment(0, { name: 'weather', arguments: '' }, 'call_0')] }) +
  chunk({ tool_calls: [fragment(0, { arguments: '{"city":"Paris"}' })] }) +
  chunk({ tool_calls: [fragment(1, { name: 'weather', arguments: '' }, 'call_1')] }) +
  chunk({ tool_calls: [fragment(1, { arguments: '{"city":"Rome"}' })] }) +
  // One chunk may carry fragments of two calls.
  chunk({
    tool_calls: [fragment(0, { arguments: '' }), fragment(2, { name: 'weather', arguments: '{}' }, 'call_2')],
  }) +
  chunk({}, 'tool_calls') +
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"engine-model","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":20,"total_tokens":29}}\n\n' +
  'data: [DONE]\n\n';

/** Tool call fragments the client would read from the encoded stream. */
function clientCalls(events: StreamEvent[]) {
  const out: { index: number; id?: string; function?: { arguments?: string } }[] = [];
  for (const block of encoded(events).split('\n\n')) {
    if (!block.startsWith('data: {')) continue;
    const c = JSON.parse(block.slice(6)) as { choices?: { delta?: { tool_calls?: typeof out } }[] };
    out.push(...(c.choices?.[0]?.delta?.tool_calls ?? []));
  }
  return out;
}

const RELAYED: EngineProtocol[] = ['vllm', 'sglang-openai', 'lmdeploy-openai', 'trtllm-serve'];

describe('parallel_tool_calls false: one tool call on the OpenAI-style engines', () => {
  for (const protocol of RELAYED) {
    it(`${protocol}: a non-stream answer keeps the first call, finish tool_calls`, () => {
      const choice = adapterFor(protocol)!.decodeChat(answer, call(protocol, false, false).c).choices[0]!;
      expect(choice.message.tool_calls).toEqual([toolCall(0, 'Paris')]);
      expect(choice.finish_reason).toBe('tool_calls');
    });

    it(`${protocol}: a stream relays the first call's fragments only, at any byte split`, () => {
      const make = () => adapterFor(protocol)!.chatStream(call(protocol, false, true).c);
      const events = replay(make(), streamed);
      const calls = clientCalls(events);
      expect(calls.map((c) => c.index)).toEqual([0, 0, 0]);
      expect(calls.map((c) => c.function?.arguments).join('')).toBe('{"city":"Paris"}');
      expect(encoded(events)).toContain('"finish_reason":"tool_calls"');
      expect(encoded(events)).toMatch(/"usage":\{"prompt_tokens":9/);
      expect(events.at(-1)).toEqual({ kind: 'end' });
      assertSplitInvariant(make, streamed, 50);
    });

    it(`${protocol}: true or unset keeps every call`, () => {
      for (const parallel of [true, undefined]) {
        const { c } = call(protocol, parallel, false);
        expect(adapterFor(protocol)!.decodeChat(answer, c).choices[0]!.message.tool_calls).toHaveLength(2);
        const events = replay(adapterFor(protocol)!.chatStream(call(protocol, parallel, true).c), streamed);
        expect(clientCalls(events).map((c) => c.index)).toEqual([0, 0, 1, 1, 0, 2]);
      }
    });
  }

  it('vLLM, SGLang and LMDeploy are still sent the field (vLLM 0.11.1+ honours it itself)', () => {
    for (const protocol of ['vllm', 'sglang-openai', 'lmdeploy-openai'] as const) {
      expect(call(protocol, false, false).body).toMatchObject({ parallel_tool_calls: false });
    }
    // trtllm-serve's older request models reject the field; TGI's ChatRequest has none.
    expect(call('trtllm-serve', false, false).body).not.toHaveProperty('parallel_tool_calls');
    expect(call('tgi-messages', false, false).body).not.toHaveProperty('parallel_tool_calls');
  });

  it('tgi-messages: an answer with several calls keeps the first', () => {
    const tgi = answer.replace('"finish_reason":"tool_calls"', '"finish_reason":"eos_token"');
    const choice = adapterFor('tgi-messages')!.decodeChat(tgi, call('tgi-messages', false, false).c)
      .choices[0]!;
    expect(choice.message.tool_calls).toHaveLength(1);
    expect(choice.finish_reason).toBe('tool_calls');
  });
});
