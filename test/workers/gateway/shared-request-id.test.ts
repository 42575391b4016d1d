import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

/**
 * A caller's `x-request-id` is kept, and callers do reuse one (a constant set by a client library, or
 * the same id on every retry), across keys and tenants alike. A client that leaves the queue must
 * withdraw its own wait only, never another request's that happens to carry the same id.
 */
let keyA: string;
let keyB: string;
const POOL = 'shared-id-pool';

beforeAll(async () => {
  keyA = await seedKey({ tenant: 'tenant-a' });
  keyB = await seedKey({ tenant: 'tenant-b' });
  await seedPool(
    {
      name: POOL,
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://shared-id.test', capacity: 1, weight: 1 }],
      timeouts: { headersMs: 20000, firstTokenMs: 20000, idleMs: 20000, totalMs: 60000 },
      queue: { maxDepth: 10, maxWaitMs: 20000 },
      admission: { blockSize: 0, blockWindowMs: 1000 },
    },
    'shared-id-model',
  );
});

function post(key: string, signal?: AbortSignal, stream = false) {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'x-request-id': 'same-id',
    },
    body: JSON.stringify({ model: 'shared-id-model', stream, messages: [{ role: 'user', content: 'x' }] }),
    ...(signal ? { signal } : {}),
  });
}

const pool = () => env.ENGINE_POOL.getByName(POOL);
const depth = async () => (await pool().state()).queue.depth;

describe('two queued requests with the same x-request-id', () => {
  it("one client leaving withdraws its own wait, not the other's", async () => {
    let calls = 0;
    mockOrigin('shared-id.test', () => {
      calls++;
      if (calls > 1) return Response.json(answer());
      // Silent until its client leaves: holds the pool's only slot.
      return new Response(new ReadableStream({}), { headers: { 'content-type': 'text/event-stream' } });
    });
    const holderGone = new AbortController();
    const holder = post(keyA, holderGone.signal, true).catch(() => undefined);
    await vi.waitFor(() => expect(calls).toBe(1), { timeout: 1000, interval: 10 });

    const leaving = new AbortController();
    const first = post(keyA, leaving.signal).catch(() => undefined);
    await vi.waitFor(async () => expect(await depth()).toBe(1), { timeout: 1000, interval: 10 });
    const staying = post(keyB);
    await vi.waitFor(async () => expect(await depth()).toBe(2), { timeout: 1000, interval: 10 });

    leaving.abort(new Error('client left'));
    await first;
    await vi.waitFor(async () => expect(await depth(), 'queue after abort').toBe(1), {
      timeout: 1000,
      interval: 20,
    });

    holderGone.abort(new Error('done'));
    await holder;
    const res = await staying;
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('same-id');
    await vi.waitFor(async () => expect((await pool().state()).inFlight).toBe(0), {
      timeout: 1500,
      interval: 20,
    });
  });
});

function answer() {
  return {
    id: 'x',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}
