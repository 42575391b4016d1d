import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { PoolConfig } from '../../../schemas/config.ts';
import { leaseOf, requestsFor } from './pool-stub.ts';

// Deleting a pool ends the wait of whoever queued on it. Nobody cancelled those requests: they are
// told the pool is gone (a 503-style refusal, which fails over along the model's chain), not that
// their client went away.

describe('a pool deleted while requests wait in its queue', () => {
  it('refuses the waiters as having no pool to serve them', async () => {
    const name = 'del-waiters';
    const config = PoolConfig.parse({
      name,
      protocol: 'vllm',
      origins: [{ id: 'o1', url: 'http://del-waiters-o1.test', capacity: 1 }],
      health: { enabled: false },
    });
    const req = requestsFor(config, 'dw');
    const stub = env.ENGINE_POOL.getByName(name);
    leaseOf(await stub.acquire(req()));
    const waiting = stub.acquire(req());
    await vi.waitFor(async () => expect((await stub.state()).queue.depth).toBe(1), {
      timeout: 3000,
      interval: 20,
    });
    await stub.forget();
    const result = await waiting;
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe('no_origins');
    expect(result.message).toContain(`'${name}'`);
    expect(result.message).toContain('deleted');
  });
});
