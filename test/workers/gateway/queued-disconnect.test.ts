import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

/**
 * A client that goes away while its request waits in the pool's queue withdraws the wait at once:
 * the queue shrinks, and the slot that frees later goes to someone still there (not to a request
 * nobody reads, which would hold it until its attempt notices).
 */
let key: string;
const POOL = 'queued-gone-pool';

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: POOL,
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://queued-gone.test', capacity: 1, weight: 1 }],
      timeouts: { headersMs: 20000, firstTokenMs: 20000, idleMs: 20000, totalMs: 60000 },
      queue: { maxDepth: 10, maxWaitMs: 20000 },
      admission: { blockSize: 0, blockWindowMs: 1000 },
    },
    'queued-gone-model',
  );
});

function post(stream: boolean, signal?: AbortSignal) {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'queued-gone-model', stream, messages: [{ role: 'user', content: 'x' }] }),
    ...(signal ? { signal } : {}),
  });
}

const pool = () => env.ENGINE_POOL.getByName(POOL);

describe('client disconnect while queued', () => {
  for (const stream of [true, false]) {
    it(`withdraws the wait (${stream ? 'stream' : 'non-stream'})`, async () => {
      let calls = 0;
      mockOrigin('queued-gone.test', () => {
        calls++;
        // Silent until cancelled: holds the pool's only slot.
        return new Response(new ReadableStream({}), { headers: { 'content-type': 'text/event-stream' } });
      });
      const holderGone = new AbortController();
      const holder = post(true, holderGone.signal).catch(() => undefined);
      await vi.waitFor(() => expect(calls).toBe(1), { timeout: 1000, interval: 10 });
      const client = new AbortController();
      const queued = post(stream, client.signal).catch(() => undefined);
      await vi.waitFor(async () => expect((await pool().state()).queue.depth).toBe(1), {
        timeout: 1000,
        interval: 10,
      });
      client.abort(new Error('client left'));
      await queued;
      await vi.waitFor(async () => expect((await pool().state()).queue.depth, 'queue after abort').toBe(0), {
        timeout: 1000,
        interval: 20,
      });
      holderGone.abort(new Error('done'));
      await holder;
      await vi.waitFor(async () => expect((await pool().state()).inFlight, 'in flight at the end').toBe(0), {
        timeout: 1500,
        interval: 20,
      });
      expect(calls).toBe(1); // the departed waiter never reached the origin
    });
  }
});
