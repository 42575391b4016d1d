import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { clearFaults, emulatorSettings, type Stack, setEmulatorSettings } from './stack.ts';

/** Calls shared by the per-engine e2e files: a pinned client, plain and streamed chats, pool recovery. */

export const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'Say something deterministic.' },
];

export interface Streamed {
  text: string;
  finish: string | null | undefined;
  usage: (OpenAI.CompletionUsage & { eco_estimated?: boolean }) | undefined;
  error: unknown;
}

export const status = (err: unknown) => (err as InstanceType<typeof OpenAI.APIError>).status;

/** Instant generation for the file (the settings before it restored after it); no fault left by any case. */
export function useInstantEmulator(stack: Stack): void {
  let previous: { tokensPerSecond: number; ttftMs: number } | undefined;
  beforeAll(async () => {
    const { tokensPerSecond, ttftMs } = await emulatorSettings(stack);
    previous = { tokensPerSecond, ttftMs };
    await setEmulatorSettings(stack, { tokensPerSecond: 0, ttftMs: 0 });
  });
  afterAll(async () => {
    if (previous) await setEmulatorSettings(stack, previous);
  });
  afterEach(() => clearFaults(stack));
}

export function engineCalls(stack: Stack) {
  /** A client for the gateway, pinned to `pool` with x-eco-pool when one is given. */
  const clientFor = (pool?: string) =>
    new OpenAI({
      baseURL: `${stack.gateway}/v1`,
      apiKey: stack.apiKey,
      maxRetries: 0,
      ...(pool ? { defaultHeaders: { 'x-eco-pool': pool } } : {}),
    });

  /**
   * Clear faults and the pool's memory of them (breaker, Retry-After backoff) on every origin of the
   * pool, so each case starts clean.
   */
  async function recover(pool: string) {
    await clearFaults(stack);
    const headers = { authorization: `Bearer ${stack.apiKey}` };
    const found = await fetch(`${stack.gateway}/admin/pools/${pool}`, { headers });
    if (!found.ok) throw new Error(`pool ${pool}: ${found.status} ${await found.text()}`);
    const { config } = (await found.json()) as { config: { origins: { id: string }[] } };
    for (const { id } of config.origins) {
      const res = await fetch(`${stack.gateway}/admin/pools/${pool}/origins/${id}/reset`, {
        method: 'POST',
        headers,
      });
      if (!res.ok) throw new Error(`reset ${pool}/${id}: ${res.status} ${await res.text()}`);
    }
  }

  /** A streamed answer; a failure either as an HTTP status (before output) or a terminal SSE error. */
  async function streamed(pool: string | undefined, model: string, maxTokens = 6): Promise<Streamed> {
    let text = '';
    let finish: string | null | undefined;
    let usage: Streamed['usage'];
    try {
      const stream = await clientFor(pool).chat.completions.create({
        model,
        max_tokens: maxTokens,
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
    } catch (error) {
      return { text, finish, usage, error };
    }
    return { text, finish, usage, error: undefined };
  }

  function plain(pool: string | undefined, model: string, maxTokens = 6) {
    return clientFor(pool).chat.completions.create({ model, max_tokens: maxTokens, messages });
  }

  return { clientFor, recover, streamed, plain };
}
