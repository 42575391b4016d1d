import type { StoredStatus } from '../../durable-objects/job-queue/job-store.ts';
import type { Env } from '../env.ts';
import type { ShardWalkSource } from './shard-walk.ts';
import { shardName, shardNames, stubByName } from './shards.ts';

/**
 * A tenant's shards `0..shards-1` as one walk source. Names are compared as text (as the walk's cursor
 * does), so `jobs:t:10` sorts before `jobs:t:2`; the order only has to be stable.
 */
export function tenantSource(
  env: Env,
  tenant: string,
  shards: number,
  statuses: StoredStatus[] | null,
): ShardWalkSource {
  const names = Array.from({ length: shards }, (_, i) => shardName(tenant, i)).sort();
  return {
    shardsAfter: async (after, through, limit) =>
      names
        .filter((n) => (after === null || n > after) && (through === null || n <= through))
        .slice(0, limit),
    read: (name, query) => stubByName(env, name).list({ tenant, statuses, ...query }),
  };
}

/** Failed jobs on every shard listed in D1 (optionally of one tenant): the admin dead letter. */
export function deadLetterSource(env: Env, tenant: string | undefined): ShardWalkSource {
  return {
    shardsAfter: (after, through, limit) => shardNames(env, { tenant, after, through, limit }),
    read: (name, query) => stubByName(env, name).list({ tenant: null, statuses: ['failed'], ...query }),
  };
}
