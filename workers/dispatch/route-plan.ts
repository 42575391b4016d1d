import { adapterFor } from '../../origins/registry.ts';
import type { EngineAdapter } from '../../origins/types.ts';
import type { ModelConfig, PoolConfig } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';

export interface RouteTarget {
  pool: PoolConfig;
  adapter: EngineAdapter;
  engineModel: string;
}

/**
 * The model's fallback chain resolved to configured pools and known adapters. Pools missing in this
 * environment are skipped; an empty chain is a 503, since the model exists but nothing can serve it.
 */
export function routePlan(
  model: ModelConfig,
  pools: Map<string, PoolConfig>,
  pinnedPool?: string,
): RouteTarget[] {
  if (pinnedPool !== undefined) {
    const pool = pools.get(pinnedPool);
    if (!pool)
      throw new EcoError(404, 'pool_not_found', `No engine pool named '${pinnedPool}'.`, {
        param: 'x-eco-pool',
      });
    const adapter = adapterFor(pool.protocol);
    if (!adapter)
      throw new EcoError(503, 'engine_unsupported', `No adapter for protocol '${pool.protocol}'.`);
    const route = model.routes.find((r) => r.pool === pinnedPool);
    return [{ pool, adapter, engineModel: route?.engineModel ?? model.id }];
  }
  const plan: RouteTarget[] = [];
  for (const route of model.routes) {
    const pool = pools.get(route.pool);
    const adapter = pool ? adapterFor(pool.protocol) : undefined;
    if (pool && adapter) plan.push({ pool, adapter, engineModel: route.engineModel });
  }
  if (plan.length === 0) {
    throw new EcoError(503, 'origin_unavailable', `No engine pool is configured for model '${model.id}'.`, {
      retryAfterMs: 30_000,
    });
  }
  return plan;
}
