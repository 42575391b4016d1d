import OpenAI from 'openai';
import { describe, expect, inject, it } from 'vitest';

const stack = inject('stack');
const client = new OpenAI({ baseURL: `${stack.gateway}/v1`, apiKey: stack.apiKey, maxRetries: 0 });

/**
 * The emulated vLLM origins (two in the dev stack) report prefix-cache hits: of three identical
 * requests, at least two reach the same origin, and the later one is served partly from its cache.
 */
const REPEATS = 3;

function messages() {
  const long = `${crypto.randomUUID()} ${'Summarise the state of the edge fleet for the night shift. '.repeat(8)}`;
  return [{ role: 'user' as const, content: long }];
}

describe('token usage details through the OpenAI client', () => {
  it('non-stream: prompt_tokens_details.cached_tokens arrives from vLLM', async () => {
    const sent = messages();
    const cached: (number | undefined)[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const answer = await client.chat.completions.create({
        model: 'dev-vllm',
        max_tokens: 4,
        messages: sent,
      });
      cached.push(answer.usage?.prompt_tokens_details?.cached_tokens);
      expect(answer.usage).not.toHaveProperty('eco_estimated');
    }
    // The first time the prompt is new everywhere: vLLM leaves the details out.
    expect(cached[0]).toBeUndefined();
    const hits = cached.filter((c): c is number => c !== undefined);
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) expect(hit % 16).toBe(0);
  });

  it('stream: the usage chunk carries prompt_tokens_details.cached_tokens', async () => {
    const sent = messages();
    const cached: (number | undefined)[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const stream = await client.chat.completions.create({
        model: 'dev-vllm',
        max_tokens: 4,
        messages: sent,
        stream: true,
        stream_options: { include_usage: true },
      });
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
      expect(usage?.prompt_tokens).toBeGreaterThan(16);
      cached.push(usage?.prompt_tokens_details?.cached_tokens);
    }
    expect(cached[0]).toBeUndefined();
    expect(cached.some((c) => c !== undefined && c > 0 && c < 1000)).toBe(true);
  });

  it('SGLang: a repeated prompt is served from its radix cache, counted token by token', async () => {
    const sent = messages();
    const usages: OpenAI.CompletionUsage[] = [];
    for (let i = 0; i < 2; i++) {
      const answer = await client.chat.completions.create({
        model: 'dev-sglang',
        max_tokens: 4,
        messages: sent,
      });
      if (answer.usage) usages.push(answer.usage);
    }
    const [first, second] = usages;
    // The chat template's opening is shared with every earlier prompt; the rest is new the first time.
    expect(first?.prompt_tokens_details?.cached_tokens).toBeLessThan((first?.prompt_tokens ?? 0) / 2);
    // The second time all of it but the last token, which SGLang always computes again.
    expect(second?.prompt_tokens_details?.cached_tokens).toBe((second?.prompt_tokens ?? 0) - 1);
  });
});
