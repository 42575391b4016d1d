import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { PoolConfig } from '../../../schemas/config.ts';

// A DELETE's `forget` may reach the pool object after the pool was created again under its name (a
// second DELETE clearing what a first one left, racing a POST): the newer pool's state is left alone.

const config = (name: string) =>
  PoolConfig.parse({
    name,
    protocol: 'vllm',
    origins: [{ id: 'o1', url: `http://${name}.test`, capacity: 2 }],
    health: { enabled: false },
  });

describe("a deleted pool's forget", () => {
  it('leaves a pool created again since (a newer config) as it is, isolation included', async () => {
    const stub = env.ENGINE_POOL.getByName('forget-recreated-a');
    await stub.configure(config('forget-recreated-a'), 'forget-recreated-a-v2', 2_000);
    expect((await stub.control('o1', 'isolate')).ok).toBe(true);
    await stub.forget(1_000);
    const state = await stub.state();
    expect(state.configKnown).toBe(true);
    expect(state.origins.find((o) => o.id === 'o1')?.breaker.state).toBe('isolated');
  });

  it('drops the state of the pool it deleted (the same version), and of any when none is named', async () => {
    const stub = env.ENGINE_POOL.getByName('forget-recreated-b');
    await stub.configure(config('forget-recreated-b'), 'forget-recreated-b-v1', 1_000);
    await stub.forget(1_000);
    expect((await stub.state()).configKnown).toBe(false);
    await stub.configure(config('forget-recreated-b'), 'forget-recreated-b-v2', 2_000);
    await stub.forget();
    expect((await stub.state()).configKnown).toBe(false);
  });
});
