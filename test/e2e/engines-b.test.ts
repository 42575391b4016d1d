import OpenAI from 'openai';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { engineCalls, messages, status, useInstantEmulator } from './helpers/engine-calls.ts';
import { setFault } from './helpers/stack.ts';

/**
 * TensorRT-LLM (trtllm-serve, Triton), DeepSpeed-MII (REST, OpenAI server) and LMDeploy (native,
 * OpenAI) through the dev stack, each pool pinned with x-eco-pool, against the emulator speaking the
 * engine's own protocol. Stall faults are covered in the workers project with short pool timeouts.
 */
const stack = inject('stack');
const POOLS = [
  'trtllm-serve',
  'triton-trtllm',
  'deepspeed-mii',
  'deepspeed-mii-openai',
  'lmdeploy',
  'lmdeploy-openai',
] as const;
type Pool = (typeof POOLS)[number];

const calls = engineCalls(stack);
const { clientFor, recover } = calls;
const streamed = (pool: Pool, maxTokens?: number) => calls.streamed(pool, `dev-${pool}`, maxTokens);
const plain = (pool: Pool, maxTokens?: number) => calls.plain(pool, `dev-${pool}`, maxTokens);
useInstantEmulator(stack);

describe.each(POOLS)('%s through the gateway', (pool) => {
  afterEach(() => recover(pool));

  it('answers non-stream and stream with the same text, finish and usage', async () => {
    const answer = await plain(pool);
    expect(answer.model).toBe(`dev-${pool}`);
    const content = answer.choices[0]?.message.content ?? '';
    expect(content.length).toBeGreaterThan(0);
    expect(answer.choices[0]?.finish_reason).toBe('length');
    expect(answer.usage?.completion_tokens).toBeGreaterThan(0);
    const s = await streamed(pool);
    expect(s.error).toBeUndefined();
    expect(s.text).toBe(content);
    expect(s.finish).toBe('length');
    expect(s.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('ends with stop when the answer is shorter than the budget', async () => {
    const s = await streamed(pool, 200);
    expect(s.error).toBeUndefined();
    expect(s.finish).toBe('stop');
    expect(s.text).toMatch(/\.$/);
  });

  it('maps injected 500 to 502 and 429 (Retry-After) to 429', async () => {
    await setFault(stack, { engine: pool, mode: 'status', status: 500 });
    expect(status(await plain(pool).catch((e: unknown) => e))).toBe(502);
    await recover(pool);
    await setFault(stack, { engine: pool, mode: 'status', status: 429, retryAfter: 1 });
    const err = await plain(pool).catch((e: unknown) => e);
    expect(status(err)).toBe(429);
    expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBeTruthy();
    await recover(pool);
    expect((await plain(pool)).choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it('answers 502 when the origin refuses connections', async () => {
    await setFault(stack, { engine: pool, mode: 'refuse' });
    expect(status(await plain(pool).catch((e: unknown) => e))).toBe(502);
  });

  it('fails a stream cut mid-way or sent a malformed frame, never completing it', async () => {
    for (const mode of ['cut-mid', 'malformed'] as const) {
      await setFault(stack, { engine: pool, mode, afterTokens: 2 });
      const s = await streamed(pool, 12);
      expect(s.error, mode).toBeInstanceOf(OpenAI.APIError);
      expect(status(s.error) ?? 502, mode).toBe(502);
      expect(s.finish, mode).toBeUndefined();
      await recover(pool);
    }
    expect((await streamed(pool)).error).toBeUndefined();
  });

  it('answers 503 while the engine is loading', async () => {
    await setFault(stack, { engine: pool, mode: 'loading' });
    const err = await plain(pool).catch((e: unknown) => e);
    expect(status(err)).toBe(503);
  });
});

/** The prompt-only native engines serve `/v1/completions` from their generate endpoints. */
const NATIVE_COMPLETIONS = ['triton-trtllm', 'deepspeed-mii', 'lmdeploy'] as const;
const PROMPT = 'Once upon a time';

async function streamedCompletion(pool: Pool, maxTokens: number) {
  let text = '';
  let finish: string | null | undefined;
  let usage: OpenAI.CompletionUsage | undefined;
  const objects = new Set<string>();
  try {
    const stream = await clientFor(pool).completions.create({
      model: `dev-${pool}`,
      prompt: PROMPT,
      max_tokens: maxTokens,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) {
      objects.add(chunk.object);
      text += chunk.choices[0]?.text ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
  } catch (error) {
    return { text, finish, usage, objects, error };
  }
  return { text, finish, usage, objects, error: undefined };
}

describe.each(NATIVE_COMPLETIONS)('%s /v1/completions through the gateway', (pool) => {
  afterEach(() => recover(pool));
  const plainCompletion = (maxTokens: number, prompt: string | string[] = PROMPT) =>
    clientFor(pool).completions.create({ model: `dev-${pool}`, prompt, max_tokens: maxTokens });

  it('answers non-stream and stream with the same text, finish and usage', async () => {
    const answer = await plainCompletion(6);
    expect(answer.object).toBe('text_completion');
    expect(answer.model).toBe(`dev-${pool}`);
    const text = answer.choices[0]?.text ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(answer.choices[0]?.finish_reason).toBe('length');
    expect(answer.usage?.completion_tokens).toBeGreaterThan(0);
    const s = await streamedCompletion(pool, 6);
    expect(s.error).toBeUndefined();
    expect([...s.objects]).toEqual(['text_completion']);
    expect(s.text).toBe(text);
    expect(s.finish).toBe('length');
    expect(s.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('ends with stop when the answer is shorter than the budget', async () => {
    const answer = await plainCompletion(200);
    expect(answer.choices[0]?.finish_reason).toBe('stop');
    const s = await streamedCompletion(pool, 200);
    expect(s.error).toBeUndefined();
    expect(s.finish).toBe('stop');
    expect(s.text).toBe(answer.choices[0]?.text);
  });

  it('refuses several prompts with a 400 and maps an injected 500 to 502', async () => {
    expect(status(await plainCompletion(6, ['one', 'two']).catch((e: unknown) => e))).toBe(400);
    await setFault(stack, { engine: pool, mode: 'status', status: 500 });
    expect(status(await plainCompletion(6).catch((e: unknown) => e))).toBe(502);
  });

  it('fails a completion stream cut mid-way, never completing it', async () => {
    await setFault(stack, { engine: pool, mode: 'cut-mid', afterTokens: 2 });
    const s = await streamedCompletion(pool, 12);
    expect(s.error).toBeInstanceOf(OpenAI.APIError);
    expect(status(s.error) ?? 502).toBe(502);
    expect(s.finish).toBeUndefined();
  });
});

describe('what the engines cannot do', () => {
  it('trtllm-serve takes reasoning_effort low and max, and minimal is a 400 naming the values it takes', async () => {
    const client = clientFor('trtllm-serve');
    const ask = (effort: 'low' | 'max' | 'minimal') =>
      client.chat.completions.create({
        model: 'dev-trtllm-serve',
        max_tokens: 4,
        reasoning_effort: effort,
        messages: [{ role: 'user', content: 'hi' }],
      });
    expect((await ask('low')).choices[0]?.message.content).toBeTruthy();
    expect((await ask('max')).choices[0]?.message.content).toBeTruthy();
    const err = (await ask('minimal').catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(400);
    expect(err.param).toBe('reasoning_effort');
    expect(err.message).toContain(
      "takes reasoning_effort 'none', 'low', 'medium', 'high' or 'max', not 'minimal'",
    );
  });

  it('LMDeploy has no embeddings: a clear 400 naming it', async () => {
    const err = await clientFor('lmdeploy-openai')
      .embeddings.create({ model: 'dev-lmdeploy-openai', input: 'x' })
      .catch((e: unknown) => e);
    expect(status(err)).toBe(400);
  });
});

describe('DeepSpeed-MII OpenAI server specifics', () => {
  it('temperature 0 is answered greedily, not failed inside the engine (which takes only values above 0)', async () => {
    const client = clientFor('deepspeed-mii-openai');
    const answer = await client.chat.completions.create({
      model: 'dev-deepspeed-mii-openai',
      max_tokens: 6,
      temperature: 0,
      messages,
    });
    expect(answer.choices[0]?.message.content).toBeTruthy();
    const completion = await client.completions.create({
      model: 'dev-deepspeed-mii-openai',
      max_tokens: 6,
      temperature: 0,
      prompt: 'Say something',
    });
    expect(completion.choices[0]?.text).toBeTruthy();
  });

  it('a streamed completion that stops does not end with the token that stopped it', async () => {
    const stream = await clientFor('deepspeed-mii-openai').completions.create({
      model: 'dev-deepspeed-mii-openai',
      max_tokens: 200,
      prompt: 'Say something',
      stream: true,
    });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('stop');
    expect(text).not.toContain('</s>');
    expect(text.length).toBeGreaterThan(0);
  });
});
