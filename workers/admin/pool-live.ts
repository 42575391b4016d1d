import type { PoolLiveState } from '../../durable-objects/engine-pool/types.ts';
import type { PoolConfig } from '../../schemas/config.ts';
import { configKey } from '../dispatch/pool-releases.ts';
import type { Env } from '../env.ts';

const STATE_TIMEOUT_MS = 3000;

/** Live state from the pool's Durable Object; undefined when it does not answer in time. */
export async function poolLiveState(env: Env, pool: PoolConfig): Promise<PoolLiveState | undefined> {
  const stub = env.ENGINE_POOL.getByName(pool.name);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), STATE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([stub.state(), timeout]);
  } catch {
    return undefined;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Hand a changed config to the pool object now, so probes and limits follow it before traffic does. */
export async function pushPoolConfig(env: Env, pool: PoolConfig): Promise<void> {
  await env.ENGINE_POOL.getByName(pool.name)
    .configure(pool, configKey(pool))
    .catch(() => {});
}
