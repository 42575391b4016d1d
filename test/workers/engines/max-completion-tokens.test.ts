import { describe, expect, it } from 'vitest';
import { tgiMessagesAdapter } from '../../../origins/tgi/index.ts';
import { trtllmServeAdapter } from '../../../origins/trtllm/index.ts';
import type { EngineAdapter } from '../../../origins/types.ts';
import type { PoolConfig } from '../../../schemas/config.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { ctx, pool } from './replay-b.ts';

/**
 * Engines that only know `max_tokens` get `max_completion_tokens` renamed. When a client sends both
 * (OpenAI's newer field and the deprecated one), the newer one is the budget: the gateway reserves it
 * and every other pool honours it, so these engines must not be sent the larger legacy value.
 */
describe.each([
  ['tgi-messages', tgiMessagesAdapter],
  ['trtllm-serve', trtllmServeAdapter],
] as [PoolConfig['protocol'], EngineAdapter][])(
  '%s: max_completion_tokens wins over max_tokens',
  (protocol, adapter) => {
    const req: ChatCompletionRequest = {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 20,
      max_completion_tokens: 3,
    };

    it.each([false, true])('stream %s', (stream) => {
      const body = JSON.parse(adapter.buildChat(req, ctx(pool(protocol), { stream })).body ?? '{}');
      expect(body.max_tokens).toBe(3);
      expect(body).not.toHaveProperty('max_completion_tokens');
    });
  },
);
