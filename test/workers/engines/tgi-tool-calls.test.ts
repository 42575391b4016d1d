import { describe, expect, it } from 'vitest';
import { tgiMessagesAdapter } from '../../../origins/tgi/index.ts';
import { ctx, pool } from './replay-b.ts';

/** TGI's Messages API writes a tool call's `arguments` as a JSON object; OpenAI clients read a string. */
const answer = (args: unknown) =>
  JSON.stringify({
    object: 'chat.completion',
    id: '',
    created: 1,
    model: 'm',
    system_fingerprint: '3.0.0-native',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          tool_calls: [
            {
              id: '0',
              type: 'function',
              function: { description: null, name: 'get_weather', arguments: args },
            },
          ],
        },
        logprobs: null,
        finish_reason: 'eos_token',
      },
    ],
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
  });

describe('TGI Messages API tool calls', () => {
  it('gives the client arguments as a JSON string, whichever form TGI wrote', () => {
    const fromObject = tgiMessagesAdapter.decodeChat(
      answer({ location: 'Paris' }),
      ctx(pool('tgi-messages')),
    );
    const calls = fromObject.choices[0]!.message.tool_calls as { function: { arguments: unknown } }[];
    expect(calls[0]!.function.arguments).toBe('{"location":"Paris"}');
    const fromString = tgiMessagesAdapter.decodeChat(answer('{"a":1}'), ctx(pool('tgi-messages')));
    const same = fromString.choices[0]!.message.tool_calls as { function: { arguments: unknown } }[];
    expect(same[0]!.function.arguments).toBe('{"a":1}');
    expect(fromObject.choices[0]!.message.content).toBeNull();
  });

  it('finishes with tool_calls, as its stream does, unless the budget ran out', () => {
    const done = tgiMessagesAdapter.decodeChat(answer({}), ctx(pool('tgi-messages')));
    expect(done.choices[0]!.finish_reason).toBe('tool_calls');
    const cut = tgiMessagesAdapter.decodeChat(
      answer({}).replace('"eos_token"', '"length"'),
      ctx(pool('tgi-messages')),
    );
    expect(cut.choices[0]!.finish_reason).toBe('length');
  });
});
