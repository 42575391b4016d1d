import OpenAI from 'openai';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { engineCalls } from './helpers/engine-calls.ts';
import { setFault } from './helpers/stack.ts';

const stack = inject('stack');
const client = new OpenAI({ baseURL: `${stack.gateway}/v1`, apiKey: stack.apiKey, maxRetries: 0 });
const { recover } = engineCalls(stack);

// The faults below fail the dev stack's vllm pool, which other files use too: its breakers and backoff
// are reset with the faults after each case.
afterEach(() => recover('vllm'));

describe('the OpenAI client against the dev stack', () => {
  it('lists the registry, including the six default models', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    for (const id of [
      'llama-3.1-8b-instruct',
      'llama-3.1-70b-instruct',
      'qwen2.5-72b-instruct',
      'qwen2.5-coder-32b-instruct',
      'deepseek-r1-distill-qwen-32b',
      'mistral-7b-instruct-v0.3',
    ]) {
      expect(ids).toContain(id);
    }
  });

  it('answers a non-stream completion with usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'dev-vllm',
      max_tokens: 5,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say something.' },
      ],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('dev-vllm');
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(5);
  });

  it('streams a completion with the usage chunk and the same text as non-stream', async () => {
    const messages = [{ role: 'user' as const, content: 'Deterministic please' }];
    const plain = await client.chat.completions.create({ model: 'dev-vllm', max_tokens: 8, messages });
    const stream = await client.chat.completions.create({
      model: 'dev-vllm',
      max_tokens: 8,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(plain.choices[0]?.message.content);
    expect(finish).toBe('length');
    expect(usage?.completion_tokens).toBe(8);
  });

  it('rejects a bad key with 401 in the error shape', async () => {
    const bad = new OpenAI({ baseURL: `${stack.gateway}/v1`, apiKey: 'eco_sk_wrong', maxRetries: 0 });
    const err = await bad.models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('invalid_api_key');
  });

  it('rejects an unknown model with 404 model_not_found', async () => {
    const err = await client.chat.completions
      .create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_found');
  });

  it('rejects an invalid field with 400 and its dotted param', async () => {
    const err = await client.chat.completions
      .create({ model: 'dev-vllm', temperature: 7, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).param).toBe('temperature');
  });

  it('answers a real 503 when every origin of the pool fails before the first token', async () => {
    await setFault(stack, { engine: 'vllm', mode: 'status', status: 503 });
    const err = await client.chat.completions
      .create({ model: 'dev-vllm', messages: [{ role: 'user', content: 'x' }], stream: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
  });

  it('ends a stream cut after the first token with a terminal error event, not [DONE]', async () => {
    await setFault(stack, { engine: 'vllm', mode: 'cut-mid', afterTokens: 3 });
    const res = await fetch(`${stack.gateway}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'dev-vllm', stream: true, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"content"');
    expect(text).toMatch(/data: \{"error":\{"message":.*"type":"server_error"/);
    expect(text).not.toContain('data: [DONE]');
  });

  it('retries a stream cut before the first token invisibly on the other origin', async () => {
    await setFault(stack, { engine: 'vllm', mode: 'cut-mid', afterTokens: 0, count: 1 });
    const stream = await client.chat.completions.create({
      model: 'dev-vllm',
      max_tokens: 4,
      messages: [{ role: 'user', content: 'retry me' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
  });

  it('passes the CORS preflight a browser makes for the headers this client sends', async () => {
    let sent: string[] = [];
    const recording = new OpenAI({
      baseURL: `${stack.gateway}/v1`,
      apiKey: stack.apiKey,
      maxRetries: 0,
      fetch: (url, init) => {
        sent = [];
        new Headers(init?.headers).forEach((_, name) => {
          sent.push(name);
        });
        return fetch(url, init);
      },
    });
    await recording.models.list();
    expect(sent.some((name) => name.startsWith('x-stainless-'))).toBe(true);
    const res = await fetch(`${stack.gateway}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173', // the dev ECO_CORS_ORIGINS
        'access-control-request-method': 'POST',
        'access-control-request-headers': sent.join(','),
      },
    });
    expect(res.status).toBe(204);
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').split(', ');
    for (const name of sent) expect(allowed, name).toContain(name);
  });

  it('reads a gzip request body', async () => {
    const body = JSON.stringify({
      model: 'dev-vllm',
      max_tokens: 3,
      messages: [{ role: 'user', content: 'zip' }],
    });
    const packed = await new Response(
      new Blob([body]).stream().pipeThrough(new CompressionStream('gzip')),
    ).arrayBuffer();
    const res = await fetch(`${stack.gateway}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.apiKey}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: packed,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(3);
  });
});
