import { sql } from 'drizzle-orm';
import { IDEMPOTENCY_TTL_MS } from '../../durable-objects/job-queue/job-store.ts';
import { jobShardCounts } from '../../schemas/db/job-shard-counts.ts';
import { db } from '../data/db.ts';
import type { Env } from '../env.ts';

/**
 * The ECO_JOB_SHARDS values in use recently, so that changing it moves nothing a client relies on:
 * an Idempotency-Key is also looked up on its shard under each earlier count (see `idempotencyShards`)
 * and a tenant listing reads as many shards as any count that may still hold retained jobs.
 *
 * Each isolate writes its own count at most once an hour (so `last_seen_at` lags real use by up to
 * that much, which the windows below allow for) and rereads the table every few seconds (the one
 * window in which a just-changed count is not yet known to every isolate).
 */
const RECORD_EVERY_MS = 3_600_000;
const READ_EVERY_MS = 10_000;
/** A job's deadline is at most a day from submission (or replay). */
const MAX_JOB_LIFE_MS = 24 * 3_600_000;
/** Callback retries may keep a finished job past retention for a few hours more. */
const CALLBACK_GRACE_MS = 6 * 3_600_000;

export interface ShardCount {
  shards: number;
  lastSeenAt: number;
}

const recorded = new Map<number, number>();
let known: { at: number; rows: ShardCount[] } | null = null;

/** Every count recorded, with the current one as in use now. */
export async function shardCounts(env: Env, current: number, now = Date.now()): Promise<ShardCount[]> {
  if ((recorded.get(current) ?? Number.NEGATIVE_INFINITY) <= now - RECORD_EVERY_MS) {
    await db(env.DB)
      .insert(jobShardCounts)
      .values({ shards: current, firstSeenAt: now, lastSeenAt: now })
      .onConflictDoUpdate({
        target: jobShardCounts.shards,
        set: { lastSeenAt: sql`max(excluded.last_seen_at, ${jobShardCounts.lastSeenAt})` },
      })
      .run();
    recorded.set(current, now);
    // What this isolate wrote is known here at once, whenever the table is next reread.
    if (known !== null)
      known.rows = [...known.rows.filter((r) => r.shards !== current), { shards: current, lastSeenAt: now }];
  }
  if (known === null || known.at <= now - READ_EVERY_MS) {
    const rows = await db(env.DB)
      .select({ shards: jobShardCounts.shards, lastSeenAt: jobShardCounts.lastSeenAt })
      .from(jobShardCounts);
    known = { at: now, rows };
  }
  return [...known.rows.filter((r) => r.shards !== current), { shards: current, lastSeenAt: now }];
}

/** Counts under which an Idempotency-Key still alive now may have been placed, current first. */
export function idempotencyCounts(counts: ShardCount[], current: number, now = Date.now()): number[] {
  const since = now - IDEMPOTENCY_TTL_MS - RECORD_EVERY_MS;
  const earlier = counts
    .filter((c) => c.shards !== current && c.lastSeenAt > since)
    .sort((a, b) => b.lastSeenAt - a.lastSeenAt)
    .map((c) => c.shards);
  return [current, ...earlier];
}

/**
 * How many shards a tenant listing reads: the largest count whose jobs may still be retained (made
 * within the record lag, finished by their deadline, then kept for retention and callback retries).
 */
export function listingShards(
  counts: ShardCount[],
  current: number,
  retentionMs: number,
  now = Date.now(),
): number {
  const since = now - RECORD_EVERY_MS - MAX_JOB_LIFE_MS - retentionMs - CALLBACK_GRACE_MS;
  return Math.max(current, ...counts.filter((c) => c.lastSeenAt > since).map((c) => c.shards));
}

/** Test seam: forget what this isolate wrote and read. */
export function resetShardCounts(): void {
  recorded.clear();
  known = null;
}
