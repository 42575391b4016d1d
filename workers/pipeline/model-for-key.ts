import type { ModelConfig } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';
import { mayUseModel } from '../principal.ts';

export type ModelForKey = { model: ModelConfig } | { missing: 'unknown' | 'not_allowed' };

/** The registry entry `modelId` (an id or alias) names, if this key may use it; else why not. */
export function modelForKey(
  byName: ReadonlyMap<string, ModelConfig>,
  allowedModels: string[] | null,
  modelId: string,
): ModelForKey {
  const model = byName.get(modelId);
  if (!model) return { missing: 'unknown' };
  return mayUseModel(allowedModels, model) ? { model } : { missing: 'not_allowed' };
}

/**
 * What a key is told of a model it cannot use, whether the registry lacks it or the key's allowed
 * models leave it out: the same answer, so a key learns nothing of the models outside its allowance
 * (another tenant's fine-tunes, say), as `GET /v1/models` lists only its own. OpenAI answers alike.
 */
export function modelNotFound(modelId: string): EcoError {
  return new EcoError(
    404,
    'model_not_found',
    `The model '${modelId}' does not exist, or this key may not use it.`,
    {
      param: 'model',
    },
  );
}
