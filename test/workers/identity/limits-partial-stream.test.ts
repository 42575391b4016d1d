import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../../durable-objects/rate-limiter/rate-limiter.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { chatAs, seedVllmPool, waitFor } from './helpers.ts';

// Tokens already streamed are spent even when the client leaves early: the budget must count them.
const HOST = 'limits-partial-origin.test';

beforeAll(() => seedVllmPool('limits-partial-pool', 'lp1', HOST, 'limits-partial-model'));

const limiter = (id: string) =>
  (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(id);

const chunk = (content: string) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

/** 100 one-token chunks, then, once the client is gone, one more chunk and a stall. */
function originStream(clientGone: () => boolean): Response {
  const encoder = new TextEncoder();
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      pulls++;
      if (pulls === 1) return controller.enqueue(encoder.encode(chunk('x').repeat(100)));
      while (!clientGone()) await new Promise((r) => setTimeout(r, 5));
      if (pulls === 2) controller.enqueue(encoder.encode(chunk('more')));
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
}

describe('a stream the client abandons after its first tokens', () => {
  it('charges the tokens already streamed to the budget', async () => {
    let gone = false;
    mockOrigin(HOST, () => originStream(() => gone));
    const key = await seedKey({ id: 'key_partial', limits: { maxConcurrent: 1, tokensPerDay: 100_000 } });
    const res = await chatAs(key, 'limits-partial-model', 'hello', { stream: true, max_tokens: 500 });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let seen = '';
    while ((seen.match(/"content":"x"/g) ?? []).length < 100)
      seen += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    gone = true;
    const stub = limiter('key_partial');
    await waitFor(async () => (await stub.inspect()).inFlight === 0, 3000);
    expect((await stub.inspect()).dayUsed).toBeGreaterThanOrEqual(100);
  });
});
