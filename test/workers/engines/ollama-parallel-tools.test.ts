import { describe, expect, it } from 'vitest';
import { adapterFor } from '../../../origins/registry.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { assertSplitInvariant, ctx, merged, pool, replay } from './replay-b.ts';

// Ollama has no parallel_tool_calls input and may answer with several tool calls at once. With
// `parallel_tool_calls: false` the client can take one call per turn: the first is kept.

const p = pool('ollama');
const adapter = adapterFor('ollama')!;
const tools: ChatCompletionRequest['tools'] = [
  { type: 'function', function: { name: 'weather', parameters: { type: 'object' } } },
];
function call(parallel: boolean | undefined, stream: boolean) {
  const c = ctx(p, { stream });
  adapter.buildChat(
    {
      model: 'client-model',
      messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }],
      tools,
      ...(parallel === undefined ? {} : { parallel_tool_calls: parallel }),
    },
    c,
  );
  return c;
}

const twoCalls =
  '[{"function":{"name":"weather","arguments":{"city":"Paris"}}},{"function":{"name":"weather","arguments":{"city":"Rome"}}}]';
const answer = `{"model":"m","created_at":"t","message":{"role":"assistant","content":"","tool_calls":${twoCalls}},"done":true,"done_reason":"stop","prompt_eval_count":9,"eval_count":20}`;
const streamed =
  `{"model":"m","created_at":"t","message":{"role":"assistant","content":"","tool_calls":${twoCalls}},"done":false}\n` +
  '{"model":"m","created_at":"t","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"weather","arguments":{"city":"Oslo"}}}]},"done":false}\n' +
  '{"model":"m","created_at":"t","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":9,"eval_count":30}\n';

const callsIn = (events: ReturnType<typeof replay>) =>
  events.flatMap((e) => (e.kind === 'delta' && e.toolCalls ? e.toolCalls : [])) as {
    index: number;
    function: { arguments: string };
  }[];

describe('Ollama: parallel_tool_calls false keeps one tool call', () => {
  it('non-stream: the first call only, finish tool_calls', () => {
    const choice = adapter.decodeChat(answer, call(false, false)).choices[0]!;
    expect(choice.message.tool_calls).toHaveLength(1);
    expect(choice.message.tool_calls![0]).toMatchObject({ function: { arguments: '{"city":"Paris"}' } });
    expect(choice.finish_reason).toBe('tool_calls');
  });

  it('stream: the first call only, across lines and at any byte split', () => {
    const events = replay(adapter.chatStream(call(false, true)), streamed);
    const calls = callsIn(events);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ index: 0, function: { arguments: '{"city":"Paris"}' } });
    expect(merged(events)).toContainEqual({ kind: 'finish', reason: 'tool_calls' });
    assertSplitInvariant(() => adapter.chatStream(call(false, true)), streamed);
  });

  it('true or unset: every call is kept, indexed in order', () => {
    for (const parallel of [true, undefined]) {
      expect(adapter.decodeChat(answer, call(parallel, false)).choices[0]!.message.tool_calls).toHaveLength(
        2,
      );
      const calls = callsIn(replay(adapter.chatStream(call(parallel, true)), streamed));
      expect(calls.map((c) => c.index)).toEqual([0, 1, 2]);
    }
  });
});
