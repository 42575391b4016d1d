import type { ModelConfig } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';
import { servesCapability } from '../data/model-capability.ts';
import { registry } from '../data/registry.ts';
import type { Background } from '../data/ttl-cache.ts';
import { type RouteTarget, routePlan } from '../dispatch/route-plan.ts';
import type { Env } from '../env.ts';
import { hasScope, type Principal } from '../principal.ts';
import { modelForKey, modelNotFound } from './model-for-key.ts';

export interface ResolvedModel {
  model: ModelConfig;
  plan: RouteTarget[];
}

/** Model id (or alias) → registry entry → the pools that will serve it, checked against the key. */
export async function resolveModel(
  env: Env,
  principal: Principal,
  modelId: string,
  pinnedPool: string | undefined,
  capability: string,
  background?: Background,
): Promise<ResolvedModel> {
  const snapshot = await registry(env.DB, Date.now(), background);
  const found = modelForKey(snapshot.byName, principal.allowedModels, modelId);
  if ('missing' in found) throw modelNotFound(modelId);
  const { model } = found;
  if (!servesCapability(model.capabilities, capability)) {
    throw new EcoError(
      400,
      'unsupported_capability',
      `The model '${model.id}' does not support ${capability}.`,
      {
        param: 'model',
      },
    );
  }
  if (pinnedPool !== undefined && !hasScope(principal, 'admin')) {
    throw new EcoError(403, 'insufficient_scope', 'Pinning a pool with x-eco-pool needs the admin scope.', {
      param: 'x-eco-pool',
    });
  }
  return { model, plan: routePlan(model, snapshot.pools, pinnedPool) };
}
