import { describe, expect, it } from 'vitest';
import { tgiMessagesAdapter } from '../../../origins/tgi/index.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { clientText, ctx, encoded, pool, replay } from './replay-b.ts';

// TGI's router can end a Messages API stream with [DONE] and no chunk that carries a finish reason:
// after a plain answer to a request with tools (its `no_tool` choice), and after a tool call's last
// tokens. The client still needs every character and a finish reason (SDKs refuse a choice without one).

const messages = pool('tgi-messages');
const chunk = (delta: Record<string, unknown>, usage: unknown = null) =>
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', id: '', created: 1, model: 'm', system_fingerprint: '3.1.2-native', choices: [{ index: 0, delta: { role: 'assistant', ...delta }, logprobs: null, finish_reason: null }], usage })}\n\n`;
const usageChunk = (completion: number) =>
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', id: '', created: 1, model: 'm', system_fingerprint: 'x', choices: [], usage: { prompt_tokens: 5, completion_tokens: completion, total_tokens: 5 + completion } })}\n\n`;

function call(over: Partial<ChatCompletionRequest>) {
  const c = ctx(messages);
  tgiMessagesAdapter.buildChat(
    {
      model: 'client-model',
      messages: [{ role: 'user', content: 'Where?' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
      ...over,
    } as ChatCompletionRequest,
    c,
  );
  return c;
}

/** The finish reasons of the client's chunks, in order. */
function finishes(sse: string): string[] {
  return sse
    .split('\n\n')
    .filter((b) => b.startsWith('data: {'))
    .map(
      (b) =>
        (JSON.parse(b.slice(6)) as { choices: { finish_reason: string | null }[] }).choices[0]?.finish_reason,
    )
    .filter((r): r is string => typeof r === 'string');
}

describe('a TGI Messages stream that ends without a finish reason', () => {
  it('sends the text held back for a stop sequence, then finishes with stop', () => {
    const c = call({ stop: ['\nObservation:'] });
    const sse = encoded(
      replay(
        tgiMessagesAdapter.chatStream(c),
        `${chunk({ content: 'Paris is' })}${chunk({ content: ' the capital.' })}data: [DONE]\n\n`,
      ),
    );
    expect(clientText(sse)).toBe('Paris is the capital.');
    expect(finishes(sse)).toEqual(['stop']);
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('finishes with length when the usage shows the budget was spent', () => {
    const c = call({ max_tokens: 4 });
    const sse = encoded(
      replay(
        tgiMessagesAdapter.chatStream(c),
        `${chunk({ content: 'one two three four' })}${usageChunk(4)}data: [DONE]\n\n`,
      ),
    );
    expect(finishes(sse)).toEqual(['length']);
  });

  it('finishes a tool call with tool_calls', () => {
    const c = call({});
    const call0 = { id: '', type: 'function', function: { name: 'lookup', arguments: '{"q":' } };
    const sse = encoded(
      replay(
        tgiMessagesAdapter.chatStream(c),
        `${chunk({ tool_calls: call0 })}${chunk({ tool_calls: { function: { arguments: '"x"}' } } })}data: [DONE]\n\n`,
      ),
    );
    expect(finishes(sse)).toEqual(['tool_calls']);
  });

  it('adds no second finish when TGI sent one', () => {
    const c = call({});
    const ended = `${chunk({ content: 'Paris.' })}${chunk({ content: '' }).replace('"finish_reason":null', '"finish_reason":"eos_token"')}data: [DONE]\n\n`;
    expect(finishes(encoded(replay(tgiMessagesAdapter.chatStream(c), ended)))).toEqual(['stop']);
  });
});
