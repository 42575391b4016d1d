import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { PoolConfig } from '../../../schemas/config.ts';
import { leaseOf, requestsFor } from './pool-stub.ts';

// A pool object whose stored config or breaker rows cannot be read (damaged, or written by a release
// whose shape this one does not know) still starts: it goes without them, and the next request brings
// the config back. Throwing while it starts would fail every call to the pool, for good.

describe('a pool object with unreadable stored state', () => {
  it('starts without it and serves the next request', async () => {
    const name = 'corrupt-storage';
    const config = PoolConfig.parse({
      name,
      protocol: 'vllm',
      origins: [{ id: 'o1', url: 'http://corrupt-storage-o1.test', capacity: 2 }],
      health: { enabled: false },
    });
    const req = requestsFor(config, 'cs');
    const stub = env.ENGINE_POOL.getByName(name);
    await stub.release(leaseOf(await stub.acquire(req())).id, { kind: 'success' });
    await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec('UPDATE pool_config SET config = \'{"name": "corrupt-st\'');
      state.storage.sql.exec(
        "INSERT OR REPLACE INTO breakers (origin_id, snapshot) VALUES ('o1', 'not json')",
      );
    });
    await evictDurableObject(stub);
    expect((await stub.state()).configKnown).toBe(false);
    const lease = leaseOf(await stub.acquire(req()));
    expect(lease.originId).toBe('o1');
    const state = await stub.state();
    expect(state.configKnown).toBe(true);
    expect(state.origins[0]!.breaker.state).toBe('closed');
  });
});
