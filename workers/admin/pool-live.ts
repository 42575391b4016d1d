import type { PoolLiveState } from '../../durable-objects/engine-pool/types.ts';
import type { PoolConfig } from '../../schemas/config.ts';
import { configStamp } from '../data/config-stamp.ts';
import { withinTime } from '../data/within-time.ts';
import type { Env } from '../env.ts';

const STATE_TIMEOUT_MS = 3000;

/** Live state from the pool's Durable Object; undefined when it does not answer in time. */
export async function poolLiveState(
  env: Env,
  pool: Pick<PoolConfig, 'name'>,
): Promise<PoolLiveState | undefined> {
  return withinTime(env.ENGINE_POOL.getByName(pool.name).state(), STATE_TIMEOUT_MS);
}

/** Hand a changed config to the pool object now, so probes and limits follow it before traffic does. */
export async function pushPoolConfig(env: Env, pool: PoolConfig): Promise<void> {
  const { key, version } = configStamp(pool);
  await env.ENGINE_POOL.getByName(pool.name)
    .configure(pool, key, version)
    .catch(() => {});
}
