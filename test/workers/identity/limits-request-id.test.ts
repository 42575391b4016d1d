import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../../durable-objects/rate-limiter/rate-limiter.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { call, chatAnswer, seedVllmPool, waitFor } from './helpers.ts';

// The caller chooses x-request-id; two requests sharing one must still be two reservations.
const HOST = 'limits-reqid-origin.test';

beforeAll(() => seedVllmPool('limits-reqid-pool', 'lr1', HOST, 'limits-reqid-model'));

const limiter = (id: string) =>
  (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(id);

const chatWithId = (key: string, requestId: string) =>
  call('/v1/chat/completions', key, {
    method: 'POST',
    headers: { 'x-request-id': requestId },
    body: { model: 'limits-reqid-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 },
  });

/** An origin that answers (10 tokens) only once released, counting the requests that reached it. */
function heldOrigin() {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const state = { started: 0, release };
  mockOrigin(HOST, async () => {
    state.started++;
    await released;
    return chatAnswer('ok', { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });
  });
  return state;
}

describe('limits with a caller-chosen x-request-id', () => {
  it('a reused request id neither frees a concurrency slot nor drops a charge', async () => {
    const origin = heldOrigin();
    const key = await seedKey({ id: 'key_reqid', limits: { maxConcurrent: 2, tokensPerDay: 100_000 } });
    const first = chatWithId(key, 'same-id');
    await waitFor(async () => origin.started === 1, 3000);
    const second = chatWithId(key, 'same-id');
    await waitFor(async () => origin.started === 2, 3000);
    const third = await chatWithId(key, 'same-id');
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe(
      'concurrency_limit_exceeded',
    );
    origin.release();
    expect((await Promise.all([first, second])).map((r) => r.status)).toEqual([200, 200]);
    await waitFor(async () => (await limiter('key_reqid').inspect()).inFlight === 0, 3000);

    // Sequential requests with one id are each charged.
    expect((await chatWithId(key, 'same-id')).status).toBe(200);
    await waitFor(async () => (await limiter('key_reqid').inspect()).dayUsed === 30, 3000);
  });

  it('two overlapping requests with one id are both charged to the budget', async () => {
    const origin = heldOrigin();
    const key = await seedKey({ id: 'key_reqid_budget', limits: { tokensPerDay: 100_000 } });
    const both = [chatWithId(key, 'dup'), chatWithId(key, 'dup')];
    await waitFor(async () => origin.started === 2, 3000);
    origin.release();
    expect((await Promise.all(both)).map((r) => r.status)).toEqual([200, 200]);
    const stub = limiter('key_reqid_budget');
    await waitFor(async () => (await stub.inspect()).inFlight === 0, 3000);
    expect((await stub.inspect()).dayUsed).toBe(20);
  });
});
