import { exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import type { UsageRecord } from '../../../workers/usage/record-usage.ts';
import { sseResponse, type Usage } from '../helpers/origin-mock.ts';
import { seedPool } from '../helpers/seed.ts';

export function call(
  path: string,
  key: string | null,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return exports.default.fetch(`http://gw${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

export async function expectError(res: Response, status: number, code: string): Promise<void> {
  const body = (await res.json()) as { error: { code: string; type: string; message: string } };
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe('string');
}

/** Poll `check` until it returns true; fails after `timeoutMs`. Returns the elapsed time. */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  stepMs = 25,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A vLLM pool of one origin at `http://<host>` (answered by `mockOrigin`), serving `model`. */
export function seedVllmPool(pool: string, originId: string, host: string, model: string, capacity = 64) {
  return seedPool(
    { name: pool, protocol: 'vllm', origins: [{ id: originId, url: `http://${host}`, capacity, weight: 1 }] },
    model,
  );
}

/** A one-message chat through the gateway as `key`; `extra` adds body fields (`stream`, `max_tokens`…). */
export function chatAs(key: string, model: string, content = 'hello', extra: Record<string, unknown> = {}) {
  return call('/v1/chat/completions', key, {
    method: 'POST',
    body: { model, messages: [{ role: 'user', content }], ...extra },
  });
}

export { chatAnswer } from '../helpers/origin-mock.ts';

const streamChunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  JSON.stringify({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

/** A vLLM chat stream: the content, a stop chunk, the usage chunk and `[DONE]`. */
export function chatStreamAnswer(content: string, usage: Usage): Response {
  return sseResponse([
    streamChunk({ role: 'assistant', content }),
    streamChunk({}, 'stop'),
    JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage }),
    '[DONE]',
  ]);
}

/** A usage row of one token each way, as the gateway records a successful non-stream request. */
export function usageRecord(requestId: string, keyId: string): UsageRecord {
  return {
    requestId,
    keyId,
    tenant: 't',
    model: 'm',
    pool: null,
    origin: null,
    promptTokens: 1,
    completionTokens: 1,
    estimated: false,
    status: 200,
    latencyMs: 1,
    ttftMs: null,
    streamed: false,
  };
}
