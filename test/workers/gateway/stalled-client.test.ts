import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

/**
 * A client that stops reading a stream but keeps its connection: the relay waits for it (backpressure
 * holds the origin back) only until the pool's total limit, then ends the attempt, so the origin, the
 * pool's slot and the key's concurrency slot are not held for as long as the connection lasts.
 */
let key: string;
const POOL = 'stalled-client-pool';
const TOTAL_MS = 1000;

beforeAll(async () => {
  key = await seedKey({ limits: { maxConcurrent: 5 } });
  await seedPool(
    {
      name: POOL,
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://stalled-client-a.test', capacity: 8, weight: 1 }],
      timeouts: { headersMs: 500, firstTokenMs: 500, idleMs: 500, totalMs: TOTAL_MS },
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      admission: { blockSize: 0, blockWindowMs: 1000 },
    },
    'stalled-client-model',
  );
});

const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'e', choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: null }] })}\n\n`;

/** An origin that sends content as fast as it is read, without end; records its cancellations. */
function endlessOrigin() {
  const seen = { calls: 0, cancelled: 0 };
  mockOrigin('stalled-client-a.test', () => {
    seen.calls++;
    let n = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new TextEncoder().encode(chunk(`token ${n++} `.repeat(64))));
      },
      cancel() {
        seen.cancelled++;
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  });
  return seen;
}

/** A streamed chat, its response committed (200). */
async function openStream(): Promise<Response> {
  const res = await exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'stalled-client-model',
      stream: true,
      messages: [{ role: 'user', content: 'x' }],
    }),
  });
  if (res.status !== 200) throw new Error(await res.text());
  return res;
}

describe('a streaming client that stops reading', () => {
  it('is cut at the total limit: the origin request ends and the pool slot is freed; the stream says why', async () => {
    const seen = endlessOrigin();
    const res = await openStream();
    // The client reads nothing for now: the relay falls behind and waits.
    await vi.waitFor(
      async () => {
        expect(seen.cancelled).toBe(1);
        expect((await env.ENGINE_POOL.getByName(POOL).state()).inFlight).toBe(0);
      },
      { timeout: TOTAL_MS * 5, interval: 25 },
    );
    const state = await env.ENGINE_POOL.getByName(POOL).state();
    expect(state.origins[0]?.outcomes.failure ?? 0).toBe(0); // a slow client is not the origin's fault
    // What was relayed before the cut, then one error event and no [DONE].
    const text = await res.text();
    expect(text).toContain('token 0');
    expect(text).toContain('"code":"client_too_slow"');
    expect(text).not.toContain('[DONE]');
    expect(seen.calls).toBe(1);
  });

  it('keeps a whole answer whole: the last write does not wait, so no error follows [DONE]', async () => {
    // Eight large chunks, the last one the end: the session's queue is full when the answer is complete.
    const big = 'y'.repeat(64 * 1024);
    mockOrigin('stalled-client-a.test', () => {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          const encoder = new TextEncoder();
          for (let i = 0; i < 7; i++) c.enqueue(encoder.encode(chunk(big)));
          const finish = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'e', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`;
          c.enqueue(encoder.encode(`${chunk(big)}${finish}data: [DONE]\n\n`));
          c.close();
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    const res = await openStream();
    // Read nothing until the request is over (its lease released) and past its total limit.
    const started = Date.now();
    await vi.waitFor(
      async () => {
        expect((await env.ENGINE_POOL.getByName(POOL).state()).inFlight).toBe(0);
        expect(Date.now() - started).toBeGreaterThan(TOTAL_MS);
      },
      { timeout: TOTAL_MS * 5, interval: 25 },
    );
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text).not.toContain('client_too_slow');
  });
});
