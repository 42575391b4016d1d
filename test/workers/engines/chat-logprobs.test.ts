import { describe, expect, it } from 'vitest';
import { adapterFor } from '../../../origins/registry.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { ctx, pool } from './replay-b.ts';

const req = (over: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({
  model: 'client-model',
  messages: [{ role: 'user', content: 'hi' }],
  ...over,
});

// These APIs return no log-probabilities: asking for them is a 400, as on their completions, never
// an answer with `logprobs: null` as if the engine had been asked.
const WITHOUT = [
  'tgi',
  'sglang',
  'triton-trtllm',
  'deepspeed-mii',
  'deepspeed-mii-openai',
  'lmdeploy',
] as const;

describe('chat log-probabilities on engines that have none', () => {
  for (const protocol of WITHOUT) {
    it(`${protocol}: logprobs or top_logprobs is refused, naming the field`, () => {
      const adapter = adapterFor(protocol)!;
      expect(() => adapter.buildChat(req({ logprobs: true }), ctx(pool(protocol)))).toThrow(
        expect.objectContaining({ status: 400, code: 'unsupported_parameter', param: 'logprobs' }),
      );
      expect(() => adapter.buildChat(req({ top_logprobs: 2 }), ctx(pool(protocol)))).toThrow(
        expect.objectContaining({ status: 400, param: 'top_logprobs' }),
      );
      expect(() => adapter.buildChat(req({ logprobs: false }), ctx(pool(protocol)))).not.toThrow();
    });
  }

  it('vllm passes them on', () => {
    const built = adapterFor('vllm')!.buildChat(req({ logprobs: true, top_logprobs: 2 }), ctx(pool('vllm')));
    expect(JSON.parse(built.body!)).toMatchObject({ logprobs: true, top_logprobs: 2 });
  });
});
