import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../schemas/openai/messages.ts';
import { estimatePromptTokens } from '../../../workers/pipeline/token-estimate.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { call, chatAnswer, seedVllmPool } from './helpers.ts';

// The prompt estimate reserves tokens against a key's budgets before the engine counts them: whatever
// the chat template renders must count, or a budget is overshot by putting the prompt elsewhere.

const HOST = 'prompt-estimate-origin.test';
const MEDIA_HOST = 'prompt-estimate-media.test';
const user: ChatMessage = { role: 'user', content: 'hi' };
const base = estimatePromptTokens([user]);

describe('prompt estimate', () => {
  it('counts tool-call arguments, names, tool definitions and a JSON schema', () => {
    const args = 'a'.repeat(4_000);
    const calling: ChatMessage = {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup', arguments: args } }],
    };
    expect(estimatePromptTokens([user, calling]) - estimatePromptTokens([user])).toBeGreaterThan(1_000);
    const legacy: ChatMessage = { role: 'assistant', function_call: { name: 'f', arguments: args } };
    expect(estimatePromptTokens([user, legacy])).toBeGreaterThan(base + 1_000);
    expect(estimatePromptTokens([{ role: 'user', content: 'hi', name: 'n'.repeat(4_000) }])).toBeGreaterThan(
      base + 900,
    );
    const tools = [{ type: 'function', function: { name: 't', description: 'd'.repeat(4_000) } }];
    expect(estimatePromptTokens([user], { tools })).toBeGreaterThan(base + 1_000);
    const schema = {
      type: 'json_schema',
      json_schema: { name: 's', schema: { description: 'x'.repeat(4_000) } },
    };
    expect(estimatePromptTokens([user], { response_format: schema })).toBeGreaterThan(base + 1_000);
    expect(estimatePromptTokens([user], { response_format: { type: 'json_object' } })).toBe(base);
  });

  it('reserves a fixed allowance per image, audio clip or file, whatever its bytes', () => {
    const image: ChatMessage = {
      role: 'user',
      content: [
        { type: 'text', text: 'what is this?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(100_000)}` } },
        { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
      ],
    };
    const estimate = estimatePromptTokens([image]);
    expect(estimate).toBeGreaterThanOrEqual(2_000);
    expect(estimate).toBeLessThan(2_100);
  });
});

describe('a budget and a prompt hidden in tool-call arguments', () => {
  beforeAll(() => seedVllmPool('prompt-estimate-pool', 'pe1', HOST, 'prompt-estimate-model'));

  it('is refused up front: the arguments count toward the reservation', async () => {
    let served = 0;
    mockOrigin(HOST, () => {
      served++;
      return chatAnswer('ok', { prompt_tokens: 10_000, completion_tokens: 1, total_tokens: 10_001 });
    });
    const key = await seedKey({ id: 'key_prompt_estimate', limits: { tokensPerDay: 2_000 } });
    const res = await call('/v1/chat/completions', key, {
      method: 'POST',
      body: {
        model: 'prompt-estimate-model',
        max_tokens: 1,
        messages: [
          { role: 'user', content: 'call it' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'c1', type: 'function', function: { name: 'f', arguments: 'x'.repeat(40_000) } },
            ],
          },
          { role: 'tool', tool_call_id: 'c1', content: 'done' },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('request_exceeds_budget');
    expect(served).toBe(0);
  });
});

describe('a default max_tokens for a request with images', () => {
  beforeAll(() =>
    seedVllmPool('prompt-estimate-media-pool', 'pm1', MEDIA_HOST, 'prompt-estimate-media-model'),
  );

  it("is sized by the text, not the images' allowance: the answer is not cut to one token", async () => {
    let sent: Record<string, unknown> | undefined;
    mockOrigin(MEDIA_HOST, async (request) => {
      sent = (await request.json()) as Record<string, unknown>;
      return chatAnswer('a picture');
    });
    const key = await seedKey({ id: 'key_prompt_media', limits: { tokensPerDay: 1_000_000 } });
    const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } };
    const res = await call('/v1/chat/completions', key, {
      method: 'POST',
      body: {
        model: 'prompt-estimate-media-model',
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'what are these?' }, ...Array(8).fill(image)] },
        ],
      },
    });
    expect(res.status).toBe(200);
    // The model's context is 8,192 tokens: eight images at their 1,000-token allowance would leave 1.
    expect(sent?.max_tokens).toBe(1024);
  });
});
