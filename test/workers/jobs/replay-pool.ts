import { seedPool } from '../helpers/seed.ts';

/**
 * A configured engine pool for models whose jobs are replayed: a replay, like a submit, refuses a model
 * with no pool configured (503 origin_unavailable). The jobs' runs are hooked in their shard, so its
 * origin is never called.
 */
export function seedReplayPool(name: string): Promise<void> {
  return seedPool({
    name,
    protocol: 'vllm',
    origins: [{ id: 'o1', url: `http://${name}.never.test`, capacity: 1, weight: 1 }],
  });
}
