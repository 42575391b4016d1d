import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { RateLimiter } from '../../../durable-objects/rate-limiter/rate-limiter.ts';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { call, chatAs, seedVllmPool } from './helpers.ts';

// A request the engine pools refuse (no origin can take it) never reached an engine: it is not counted
// against the key's requests per minute, so a client that retries a 503 is not locked out with 429s
// for work that never ran. A request that reached an origin counts, whatever the origin answered.

const HOST = 'refund-origin.test';
const MODEL = 'refund-model';

beforeAll(() => seedVllmPool('refund-pool', 'rf1', HOST, MODEL));

/** Until every reservation of the key is settled, so the next request sees what the last one left. */
async function settled(id: string): Promise<void> {
  const stub = (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(id);
  await vi.waitFor(async () => expect((await stub.inspect()).inFlight).toBe(0));
}

async function setOrigin(action: 'isolate' | 'reset') {
  const admin = await seedKey({ scopes: ['admin'] });
  const res = await call(`/admin/pools/refund-pool/origins/rf1/${action}`, admin, { method: 'POST' });
  expect(res.status).toBe(200);
}

describe('pool refusals and the requests-per-minute limit', () => {
  it('refused requests, JSON and streamed, never use up the limit', async () => {
    await setOrigin('isolate');
    const id = `key_refund_${crypto.randomUUID()}`;
    const key = await seedKey({ id, limits: { requestsPerMinute: 3 } });
    for (let i = 0; i < 6; i++) {
      const res = await chatAs(key, MODEL, 'hi', { stream: i % 2 === 1 });
      expect(res.status).toBe(503);
      expect(res.headers.get('x-eco-refused-by')).toBe('pool');
      await res.body?.cancel();
      await settled(id);
    }
    await setOrigin('reset');
    mockOrigin(HOST, () => chatAnswer());
    for (let i = 0; i < 3; i++) expect((await chatAs(key, MODEL)).status).toBe(200);
    await settled(id);
    expect((await chatAs(key, MODEL)).status).toBe(429);
  });

  it('requests that reached an origin count, even when it refused them', async () => {
    await setOrigin('reset');
    // A 4xx: the origin saw the request, and its breaker stays closed (a 5xx run would open it, and
    // the pools would then refuse the fourth request themselves).
    mockOrigin(HOST, () =>
      Response.json({ object: 'error', message: 'bad prompt', code: 400 }, { status: 400 }),
    );
    const id = `key_counted_${crypto.randomUUID()}`;
    const key = await seedKey({ id, limits: { requestsPerMinute: 3 } });
    for (let i = 0; i < 3; i++) {
      expect((await chatAs(key, MODEL)).status).toBe(400);
      await settled(id);
    }
    const refused = await chatAs(key, MODEL);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
  });
});
