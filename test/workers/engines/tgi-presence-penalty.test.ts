import { describe, expect, it } from 'vitest';
import { tgiMessagesAdapter } from '../../../origins/tgi/index.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { ctx, pool } from './replay-b.ts';

/**
 * TGI's Messages API turns `presence_penalty` into `repetition_penalty = presence_penalty + 2.0`
 * (router/src/lib.rs `ChatRequest::try_into_generate`): OpenAI's neutral 0 becomes a heavy 2.0
 * repetition penalty, and -2 an invalid 0.
 */
const req = (over: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [{ role: 'user', content: 'hi' }],
  ...over,
});
const build = (over: Partial<ChatCompletionRequest>) =>
  JSON.parse(tgiMessagesAdapter.buildChat(req(over), ctx(pool('tgi-messages'), { stream: false })).body!);

describe('TGI Messages API and presence_penalty', () => {
  it('does not send the neutral 0, which TGI would read as repetition_penalty 2.0', () => {
    expect(build({ presence_penalty: 0 })).not.toHaveProperty('presence_penalty');
    expect(build({ presence_penalty: 0, frequency_penalty: 0.5 }).frequency_penalty).toBe(0.5);
  });

  it('refuses any other value, which TGI would not apply as a presence penalty', () => {
    for (const value of [0.5, -2, 2]) {
      expect(() => build({ presence_penalty: value }), String(value)).toThrow(
        expect.objectContaining({ status: 400, code: 'unsupported_parameter', param: 'presence_penalty' }),
      );
    }
  });
});
