import type { Env } from '../env.ts';
import { queueUnavailable } from './shard-call.ts';
import { idempotencyCounts, shardCounts } from './shard-counts.ts';
import { pickShard, shardStub } from './shards.ts';

/**
 * The shard a submit goes to. Without an Idempotency-Key, a random one. With one, the shard its key
 * hashes to, unless the key was placed under an earlier ECO_JOB_SHARDS that put it elsewhere: then
 * that shard, which answers the same job again (or 409 for another body) instead of a second job.
 */
export async function submitShard(
  env: Env,
  tenant: string,
  shards: number,
  scope: string | undefined,
): Promise<number> {
  const counts = await shardCounts(env, shards);
  const home = await pickShard(shards, scope);
  if (scope === undefined) return home;
  const candidates = [home];
  for (const count of idempotencyCounts(counts, shards)) {
    const shard = await pickShard(count, scope);
    if (!candidates.includes(shard)) candidates.push(shard);
  }
  if (candidates.length === 1) return home;
  let held: boolean[];
  try {
    held = await Promise.all(candidates.map((s) => shardStub(env, tenant, s).holdsIdempotency(scope)));
  } catch (err) {
    throw queueUnavailable(
      'The job queue did not answer; the job may not be queued. Retry with the same Idempotency-Key.',
      err,
    );
  }
  // The current placement first, then earlier counts by how recently they were in use.
  return candidates[held.indexOf(true)] ?? home;
}
