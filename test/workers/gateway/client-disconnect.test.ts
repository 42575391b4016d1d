import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

/**
 * A client that goes away while its origin is silent (prefill, a stall) must free its lease and end the
 * origin request at once: not when the origin next speaks or a timeout fires (counted as the origin's
 * failure, and retried for nobody).
 */
let key: string;
const POOL = 'gone-pool';

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: POOL,
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://gone-a.test', capacity: 8, weight: 1 }],
      // Far longer than the test waits: only the disconnect may end the attempt.
      timeouts: { headersMs: 1000, firstTokenMs: 20000, idleMs: 20000, totalMs: 60000 },
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      admission: { blockSize: 0, blockWindowMs: 1000 },
    },
    'gone-model',
  );
});

const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'e', choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: null }] })}\n\n`;

/** An origin that sends `first` (if any) and then stays silent; records its calls and cancellations. */
function silentOrigin(first?: string) {
  const seen = { calls: 0, cancelled: 0 };
  mockOrigin('gone-a.test', () => {
    seen.calls++;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        if (first) c.enqueue(new TextEncoder().encode(first));
      },
      cancel() {
        seen.cancelled++;
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  });
  return seen;
}

function post(signal?: AbortSignal) {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gone-model', stream: true, messages: [{ role: 'user', content: 'x' }] }),
    ...(signal ? { signal } : {}),
  });
}

async function settled(seen: { calls: number; cancelled: number }) {
  await vi.waitFor(
    async () => {
      expect(seen.cancelled).toBe(1);
      expect((await env.ENGINE_POOL.getByName(POOL).state()).inFlight).toBe(0);
    },
    { timeout: 1500, interval: 20 },
  );
  expect(seen.calls).toBe(1); // nobody is left to retry for
  const state = await env.ENGINE_POOL.getByName(POOL).state();
  expect(state.origins[0]?.outcomes.failure ?? 0).toBe(0); // a departed client is not the origin's fault
}

describe('client disconnect while the origin is silent', () => {
  it('after the first token: cancelling the stream ends the origin request and frees the lease', async () => {
    const seen = silentOrigin(chunk('hello'));
    const res = await post();
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('hello')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    await settled(seen);
  });

  it('before the first token (headers held): aborting the request ends the origin request and frees the lease', async () => {
    const seen = silentOrigin();
    const client = new AbortController();
    const pending = post(client.signal).catch(() => undefined);
    await vi.waitFor(() => expect(seen.calls).toBe(1), { timeout: 1000, interval: 10 });
    client.abort(new Error('client left'));
    await pending;
    await settled(seen);
  });
});
