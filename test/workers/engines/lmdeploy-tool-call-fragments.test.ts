import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import chatUsage from '../../../../shared/fixtures/engines/lmdeploy.chat.stream.include_usage.txt?raw';
import { lmdeployOpenAiAdapter } from '../../../origins/lmdeploy/index.ts';
import { assertSplitInvariant, clientText, ctx, encoded, pool, replay } from './replay-b.ts';
import { sdkAssembled } from './sdk-assembly.ts';

// LMDeploy's DeltaMessage repeats `role` and (its default) `tool_calls: []` on every chunk; each
// DeltaToolCall gets a new `id` from its default factory and repeats `type`; releases up to v0.12
// dump with nulls kept, so later fragments also carry `name: null`.

const lmPool = pool('lmdeploy-openai');
const head = { id: 'chatcmpl-Lm7', object: 'chat.completion.chunk', created: 1755000000, model: 'internlm' };

/** Python json.dumps spacing, as LMDeploy v0.14+ writes its chunks. */
function py(value: unknown): string {
  const text = JSON.stringify(value);
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    out += ch;
    if (ch === '"' && text[i - 1] !== '\\') inString = !inString;
    else if (!inString && (ch === ',' || ch === ':')) out += ' ';
  }
  return out;
}

const fragment = (n: number, name: string | null, args: string, nulls: boolean) => ({
  id: `chatcmpl-tool-${n}`,
  type: 'function',
  index: 0,
  function: nulls || name !== null ? { name, arguments: args } : { arguments: args },
});

/** v0.16 (`exclude_none`, Python spacing) or, with `nulls`, v0.12 (`model_dump_json()`, nulls kept). */
function transcript(nulls: boolean): string {
  const chunk = (delta: Record<string, unknown>, finish?: string) => {
    const choice = nulls
      ? {
          index: 0,
          delta: { role: 'assistant', content: null, reasoning_content: null, ...delta },
          logprobs: null,
          finish_reason: finish ?? null,
        }
      : { index: 0, delta: { role: 'assistant', ...delta }, ...(finish ? { finish_reason: finish } : {}) };
    const body = { ...head, choices: [choice], usage: null };
    return `data: ${nulls ? JSON.stringify(body) : py(body)}\n\n`;
  };
  return (
    chunk({ tool_calls: [fragment(1, 'get_weather', '', nulls)] }) +
    chunk({ tool_calls: [fragment(2, null, '{"location": ', nulls)] }) +
    chunk({ tool_calls: [fragment(3, null, '"Paris"}', nulls)] }) +
    chunk({ content: '', tool_calls: [] }, 'tool_calls') +
    'data: [DONE]\n\n'
  );
}

const deltas = (sse: string) =>
  sse
    .split('\n\n')
    .filter((b) => b.startsWith('data: {'))
    .map((b) => JSON.parse(b.slice(6)) as ChatCompletionChunk)
    .filter((c) => c.choices.length > 0)
    .map((c) => c.choices[0]!.delta);

describe('LMDeploy OpenAI stream, tool-call fragments', () => {
  for (const [release, nulls] of [
    ['v0.16', false],
    ['v0.12', true],
  ] as const) {
    it(`gives the role once, no empty tool_calls, one identity per call (${release})`, () => {
      const sse = encoded(replay(lmdeployOpenAiAdapter.chatStream(ctx(lmPool)), transcript(nulls)));
      const all = deltas(sse);
      expect(all.map((d) => d.role)).toEqual(['assistant', undefined, undefined, undefined]);
      expect(all.at(-1)).not.toHaveProperty('tool_calls');
      const calls = all.flatMap((d) => d.tool_calls ?? []);
      expect(calls).toEqual([
        {
          index: 0,
          id: 'chatcmpl-tool-1',
          type: 'function',
          function: { name: 'get_weather', arguments: '' },
        },
        { index: 0, function: { arguments: '{"location": ' } },
        { index: 0, function: { arguments: '"Paris"}' } },
      ]);
    });
  }

  it("assembles in openai-node's ChatCompletionStream", async () => {
    const sse = encoded(replay(lmdeployOpenAiAdapter.chatStream(ctx(lmPool)), transcript(true)));
    const done = await sdkAssembled(sse);
    const choice = done.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls).toEqual([
      {
        id: 'chatcmpl-tool-1',
        type: 'function',
        function: expect.objectContaining({ name: 'get_weather', arguments: '{"location": "Paris"}' }),
      },
    ]);
  });

  it('is identical whatever the byte split', () => {
    assertSplitInvariant(() => lmdeployOpenAiAdapter.chatStream(ctx(lmPool)), transcript(false), 50);
  });

  it('sends the role only on the first chunk of a text answer, which reads the same', () => {
    const sse = encoded(replay(lmdeployOpenAiAdapter.chatStream(ctx(lmPool)), chatUsage));
    expect(deltas(sse).map((d) => d.role)).toEqual(['assistant', undefined, undefined, undefined]);
    expect(clientText(sse)).toBe('Hello!');
  });

  it('drops the empty tool_calls list of text chunks', () => {
    const text = chatUsage.replaceAll('"content": "', '"tool_calls": [], "content": "');
    const sse = encoded(replay(lmdeployOpenAiAdapter.chatStream(ctx(lmPool)), text));
    expect(sse).not.toContain('tool_calls');
    expect(clientText(sse)).toBe('Hello!');
  });

  it('ends the stream with an error on a tool-call chunk that is not JSON', () => {
    const bad =
      'data: {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, }]}}]}\n\ndata: [DONE]\n\n';
    const events = replay(lmdeployOpenAiAdapter.chatStream(ctx(lmPool)), bad);
    expect(events.at(-1)).toMatchObject({ kind: 'error', error: { code: 'origin_malformed_stream' } });
  });
});
