import OpenAI from 'openai';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { engineCalls, messages, status, useInstantEmulator } from './helpers/engine-calls.ts';
import { setFault } from './helpers/stack.ts';

/**
 * TGI (native and Messages API), Ollama and SGLang (native and OpenAI) through the dev stack, each
 * pool pinned with x-eco-pool, against the emulator speaking the engine's own protocol; then Ollama's
 * pull on demand. Stall faults are covered in the workers project with short pool timeouts.
 */
const stack = inject('stack');
const POOLS = ['tgi', 'tgi-messages', 'ollama', 'sglang', 'sglang-openai'] as const;
const { clientFor, recover, streamed, plain } = engineCalls(stack);
useInstantEmulator(stack);

describe.each(POOLS)('%s through the gateway', (pool) => {
  const model = `dev-${pool}`;
  afterEach(() => recover(pool));

  it('answers non-stream and stream with the same text, finish and usage', async () => {
    const answer = await plain(pool, model);
    expect(answer.model).toBe(model);
    const content = answer.choices[0]?.message.content ?? '';
    expect(content.length).toBeGreaterThan(0);
    expect(answer.choices[0]?.finish_reason).toBe('length');
    expect(answer.usage?.completion_tokens).toBe(6);
    const s = await streamed(pool, model);
    expect(s.error).toBeUndefined();
    expect(s.text).toBe(content);
    expect(s.finish).toBe('length');
    // Every one of these engines reports its stream usage: nothing is estimated.
    expect(s.usage?.completion_tokens).toBe(6);
    expect(s.usage?.eco_estimated).toBeUndefined();
  });

  it('ends with stop when the answer is shorter than the budget', async () => {
    const s = await streamed(pool, model, 200);
    expect(s.error).toBeUndefined();
    expect(s.finish).toBe('stop');
    expect(s.text).toMatch(/\.$/);
  });

  it('maps injected 500 to 502 and 429 (Retry-After) to 429', async () => {
    await setFault(stack, { engine: pool, mode: 'status', status: 500 });
    expect(status(await plain(pool, model).catch((e: unknown) => e))).toBe(502);
    await recover(pool);
    await setFault(stack, { engine: pool, mode: 'status', status: 429, retryAfter: 1 });
    const err = await plain(pool, model).catch((e: unknown) => e);
    expect(status(err)).toBe(429);
    expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBeTruthy();
    await recover(pool);
    expect((await plain(pool, model)).choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it('answers 502 when the origin refuses connections', async () => {
    await setFault(stack, { engine: pool, mode: 'refuse' });
    expect(status(await plain(pool, model).catch((e: unknown) => e))).toBe(502);
  });

  it('fails a stream cut mid-way or sent a malformed frame, never completing it', async () => {
    for (const mode of ['cut-mid', 'malformed'] as const) {
      await setFault(stack, { engine: pool, mode, afterTokens: 2 });
      const s = await streamed(pool, model, 12);
      expect(s.error, mode).toBeInstanceOf(OpenAI.APIError);
      expect(status(s.error) ?? 502, mode).toBe(502);
      expect(s.finish, mode).toBeUndefined();
      await recover(pool);
    }
    expect((await streamed(pool, model)).error).toBeUndefined();
  });

  it('answers 503 while the engine is loading', async () => {
    await setFault(stack, { engine: pool, mode: 'loading' });
    expect(status(await plain(pool, model).catch((e: unknown) => e))).toBe(503);
  });
});

describe('ollama pull on demand', () => {
  async function pulls(): Promise<number> {
    const stats = (await (await fetch(`${stack.emulator}/_control/stats`)).json()) as {
      origins: { id: string; pulls: number }[];
    };
    return stats.origins.find((o) => o.id === 'ollama-1')?.pulls ?? 0;
  }

  afterEach(() => recover('ollama'));

  it('pulls a model the origin lacks, then answers; the next request needs no pull', async () => {
    const before = await pulls();
    const answer = await plain(undefined, 'dev-ollama-pull');
    expect(answer.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(await pulls()).toBe(before + 1);
    const s = await streamed(undefined, 'dev-ollama-pull');
    expect(s.error).toBeUndefined();
    expect(await pulls()).toBe(before + 1);
  });

  it('concurrent first requests cause exactly one pull', async () => {
    const before = await pulls();
    const results = await Promise.all([
      plain(undefined, 'dev-ollama-pull-burst'),
      streamed(undefined, 'dev-ollama-pull-burst'),
      plain(undefined, 'dev-ollama-pull-burst'),
      streamed(undefined, 'dev-ollama-pull-burst'),
    ]);
    for (const r of results) expect('error' in r ? r.error : undefined).toBeUndefined();
    expect(await pulls()).toBe(before + 1);
  });

  it('a pull that fails after its 200 fails the request with the engine’s reason', async () => {
    const err = await plain(undefined, 'dev-ollama-pull-missing').catch((e: unknown) => e);
    expect(status(err)).toBe(502);
    expect((err as Error).message).toContain('file does not exist');
  });
});

describe('ollama log-probabilities', () => {
  it('a non-stream chat returns logprobs.content, one entry per token with its alternatives', async () => {
    const answer = await clientFor('ollama').chat.completions.create({
      model: 'dev-ollama',
      max_tokens: 4,
      logprobs: true,
      top_logprobs: 2,
      messages,
    });
    const content = answer.choices[0]?.logprobs?.content ?? [];
    expect(content).toHaveLength(answer.usage?.completion_tokens ?? -1);
    expect(content.map((c) => c.token).join('')).toBe(answer.choices[0]?.message.content);
    expect(content[0]?.top_logprobs).toHaveLength(2);
  });

  it('a streamed one carries logprobs.content on its chunks, one entry per token', async () => {
    const stream = await clientFor('ollama').chat.completions.create({
      model: 'dev-ollama',
      max_tokens: 4,
      logprobs: true,
      top_logprobs: 2,
      stream: true,
      stream_options: { include_usage: true },
      messages,
    });
    let text = '';
    const tokens: string[] = [];
    let completion = -1;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      for (const entry of chunk.choices[0]?.logprobs?.content ?? []) {
        expect(entry.top_logprobs).toHaveLength(2);
        tokens.push(entry.token);
      }
      if (chunk.usage) completion = chunk.usage.completion_tokens;
    }
    expect(tokens).toHaveLength(completion);
    expect(tokens.join('')).toBe(text);
  });
});

describe('over-long prompts', () => {
  // The emulated SGLang serves a 32,768-token context, Ollama models 4,096; ~4 characters make a token.
  const long = [{ role: 'user' as const, content: 'word '.repeat(30_000) }];

  for (const pool of ['sglang', 'sglang-openai', 'ollama'] as const) {
    it(`${pool}: an input past the context window is a 400 context_length_exceeded, stream or not`, async () => {
      const client = clientFor(pool);
      const model = `dev-${pool}`;
      const plainErr = await client.chat.completions
        .create({ model, max_tokens: 4, messages: long })
        .catch((e: unknown) => e);
      // SGLang reports it inside the open stream (HTTP 200): the client still gets an HTTP 400.
      // Ollama would drop the oldest messages unless asked not to.
      const streamErr = await client.chat.completions
        .create({ model, max_tokens: 4, messages: long, stream: true })
        .then(async (s) => {
          for await (const _ of s);
        })
        .catch((e: unknown) => e);
      for (const err of [plainErr, streamErr]) {
        expect(err).toBeInstanceOf(OpenAI.APIError);
        expect(status(err)).toBe(400);
        expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('context_length_exceeded');
        expect((err as Error).message).toMatch(
          /longer than the model's context length|exceeds the context length/,
        );
      }
      // A client error: the origin stays in service.
      expect((await streamed(pool, model)).error).toBeUndefined();
    });
  }
});
