import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

/**
 * Whose clock the first token runs on. The pool judges an origin by its own time to first token, from
 * its attempt's start (not the request's, which includes the queue and earlier attempts on other
 * origins); and `firstTokenMs` is one deadline from the response head, not one per read.
 */
let key: string;

const chunk = (delta: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'e', choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
const answer = `${chunk({ role: 'assistant' })}${chunk({ content: 'fast' })}data: [DONE]\n\n`;

function post(model: string) {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'x' }] }),
  });
}

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'ttft-clock-pool',
      protocol: 'vllm',
      origins: [
        { id: 'a', url: 'http://ttft-clock-a.test', capacity: 8, weight: 1 },
        { id: 'b', url: 'http://ttft-clock-b.test', capacity: 8, weight: 1 },
      ],
      timeouts: { headersMs: 10_000, firstTokenMs: 10_000, idleMs: 10_000, totalMs: 30_000 },
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      // Far above what the answering origin takes to its first token, however loaded the machine.
      slo: { ttftMs: 2_500 },
      admission: { blockSize: 0, blockWindowMs: 1000 },
    },
    'ttft-clock-model',
  );
  await seedPool(
    {
      name: 'ttft-deadline-pool',
      protocol: 'vllm',
      origins: [{ id: 'only', url: 'http://ttft-deadline.test', capacity: 8, weight: 1 }],
      timeouts: { headersMs: 2000, firstTokenMs: 300, idleMs: 10_000, totalMs: 60_000 },
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 2 },
    },
    'ttft-deadline-model',
  );
});

describe('time to first token', () => {
  it('an origin that answers at once after another failed slowly is not judged slow', {
    timeout: 15_000,
  }, async () => {
    let calls = 0;
    const origin = async () => {
      // Whichever origin is tried first fails after longer than the objective; the other answers at once.
      if (calls++ === 0) {
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        return new Response('{"object":"error","message":"boom"}', { status: 500 });
      }
      return new Response(answer, { headers: { 'content-type': 'text/event-stream' } });
    };
    mockOrigin('ttft-clock-a.test', origin);
    mockOrigin('ttft-clock-b.test', origin);
    const res = await post('ttft-clock-model');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('fast');
    expect(calls).toBe(2);
    const pool = env.ENGINE_POOL.getByName('ttft-clock-pool');
    await vi.waitFor(
      async () => {
        const outcomes = (await pool.state()).origins.map((o) => o.outcomes);
        expect(outcomes.reduce((n, o) => n + (o.success ?? 0) + (o.slow ?? 0), 0)).toBe(1);
      },
      { timeout: 10_000, interval: 20 },
    );
    const outcomes = (await pool.state()).origins.map((o) => o.outcomes);
    expect(outcomes.reduce((n, o) => n + (o.slow ?? 0), 0)).toBe(0);
    expect(outcomes.reduce((n, o) => n + (o.failure ?? 0), 0)).toBe(1);
  });

  it('a stream that keeps sending comments but no token fails at firstTokenMs, not at totalMs', async () => {
    let cancelled = false;
    mockOrigin('ttft-deadline.test', () => {
      let timer: ReturnType<typeof setInterval> | undefined;
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(encoder.encode(chunk({ role: 'assistant' })));
          // Each gap is shorter than firstTokenMs: a per-read deadline would never run out. Bounded.
          let left = 200;
          timer = setInterval(() => {
            if (--left < 0) return clearInterval(timer);
            c.enqueue(encoder.encode(': ping\n\n'));
          }, 100);
        },
        cancel() {
          cancelled = true;
          clearInterval(timer);
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    const res = await post('ttft-deadline-model');
    expect(res.status).toBe(504);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('origin_timeout');
    expect(body.error.message).toContain('time to first token (300 ms)');
    await vi.waitFor(() => expect(cancelled).toBe(true), { timeout: 2000, interval: 20 });
  });
});
