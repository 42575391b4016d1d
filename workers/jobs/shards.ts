import { and, asc, eq, gt, lte } from 'drizzle-orm';
import type { JobQueue } from '../../durable-objects/job-queue/job-queue.ts';
import { jobShards } from '../../schemas/db/job-shards.ts';
import { db } from '../data/db.ts';
import type { Env } from '../env.ts';

/**
 * Jobs live in `jobs:<tenant>:<shard>` objects so one tenant's flood never blocks another's queue.
 * A job id names its object (`job_<object id hex>_<random>`), so GET and DELETE go straight to it.
 * Changing ECO_JOB_SHARDS keeps Idempotency-Keys and listings whole (see shard-counts.ts).
 */
// The RPC types of a stub turn `unknown` fields (a job's result) into `never`; the methods' own
// signatures are the truth, as every value crossing is plain JSON-shaped data.
export type JobQueueStub = Pick<
  JobQueue,
  | 'submit'
  | 'get'
  | 'list'
  | 'cancel'
  | 'replayTarget'
  | 'replay'
  | 'counts'
  | 'holdsIdempotency'
  | 'findIdempotent'
>;

const JOB_ID = /^job_([0-9a-f]{64})_([0-9a-f]{20})$/;

const namespace = (env: Env) => env.JOB_QUEUE as unknown as DurableObjectNamespace<JobQueue>;
const stub = (env: Env, id: DurableObjectId) => namespace(env).get(id) as unknown as JobQueueStub;

export const shardName = (tenant: string, shard: number) => `jobs:${tenant}:${shard}`;

export function shardStub(env: Env, tenant: string, shard: number): JobQueueStub {
  return stub(env, namespace(env).idFromName(shardName(tenant, shard)));
}

/**
 * The object holding a job, if the id is well formed. The id names its object, so no shard name is
 * hashed: whether the job belongs to a tenant is checked by the object against the stored row
 * (`get`/`cancel` take the tenant), which also keeps jobs of shards above a lowered ECO_JOB_SHARDS
 * readable and cancellable by id.
 */
export function stubForJob(env: Env, jobId: string): JobQueueStub | undefined {
  const match = JOB_ID.exec(jobId);
  if (!match) return undefined;
  try {
    return stub(env, namespace(env).idFromString(match[1]!));
  } catch {
    return undefined;
  }
}

/** With an idempotency scope the shard is a hash of it (the key is checked in one place); else random. */
export async function pickShard(shards: number, scope: string | undefined): Promise<number> {
  if (shards <= 1) return 0;
  if (scope === undefined) return Math.floor(Math.random() * shards);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(scope)));
  return (((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0) % shards;
}

const registered = new Set<string>();

/** Note a shard in D1 once per isolate, so admin listings can find it. */
export async function registerShard(env: Env, tenant: string, shard: number): Promise<void> {
  const name = shardName(tenant, shard);
  if (registered.has(name)) return;
  await db(env.DB)
    .insert(jobShards)
    .values({ name, tenant, shard, createdAt: Date.now() })
    .onConflictDoNothing()
    .run();
  registered.add(name);
}

/** A shard object by its name, as listed in D1 `job_shards`. */
export function stubByName(env: Env, name: string): JobQueueStub {
  return stub(env, namespace(env).idFromName(name));
}

/**
 * Names of shards that have held jobs (optionally of one tenant), in name order: after `after`, up to
 * `through` when given, at most `limit`. The name order is what lets a listing resume where it stopped.
 */
export async function shardNames(
  env: Env,
  query: { tenant: string | undefined; after: string | null; through: string | null; limit: number },
): Promise<string[]> {
  const where = and(
    query.tenant === undefined ? undefined : eq(jobShards.tenant, query.tenant),
    query.after === null ? undefined : gt(jobShards.name, query.after),
    query.through === null ? undefined : lte(jobShards.name, query.through),
  );
  const rows = await db(env.DB)
    .select({ name: jobShards.name })
    .from(jobShards)
    .where(where)
    .orderBy(asc(jobShards.name))
    .limit(query.limit);
  return rows.map((r) => r.name);
}
