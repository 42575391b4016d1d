import type { Job } from '../../schemas/jobs.ts';
import type { JobCursor, ShardWalkCursor } from './cursor.ts';

export interface ShardReadQuery {
  limit: number;
  before: JobCursor | null;
  /** Stored bytes the returned jobs may hold together; none at all may fit. */
  maxBytes: number;
}

/** One shard's answer: a run of its newest matching jobs, and where that run stopped. */
export interface ShardRead {
  jobs: Job[];
  /** Stored bytes of `jobs`. */
  bytes: number;
  /** The newest matching job not returned (the count or the byte limit stopped before it); null: none left. */
  stop: JobCursor | null;
}

/** How a walk reaches the shards; both answer in a stable order so a cursor can resume. */
export interface ShardWalkSource {
  /** Shard names in ascending order, after `after` (all when null), up to `through` when given, at most `limit`. */
  shardsAfter(after: string | null, through: string | null, limit: number): Promise<string[]>;
  /** One shard's matching jobs, newest first, below `before` when given: at most `limit`, within `maxBytes`. */
  read(shard: string, query: ShardReadQuery): Promise<ShardRead>;
}

export interface ShardWalkPage {
  data: Job[];
  /** Where the next page starts; null when every shard has been read to the end. */
  next: ShardWalkCursor | null;
}

const keyOf = (job: Job): JobCursor => ({ createdAt: job.created_at, id: job.id });
const isNewer = (a: JobCursor, b: JobCursor) =>
  a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id);
const newestFirst = (a: Job, b: Job) =>
  b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * The newest job some shard of the group holds but did not return (null: every shard was read to
 * its end). Every matching job of the group newer than it was returned, so those are complete; below
 * it, a shard may hold jobs it has not returned yet.
 */
function frontier(reads: ShardRead[]): JobCursor | null {
  let newest: JobCursor | null = null;
  for (const { stop } of reads) if (stop && (newest === null || isNewer(stop, newest))) newest = stop;
  return newest;
}

/**
 * One page of jobs from any number of shards, reading at most `shardBudget` shards (one Durable Object
 * call each, plus one when a single job is larger than its share) and about `byteBudget` stored bytes.
 * Shards are taken in name order, in groups: a group is read newest first until it runs out, then the
 * walk moves past it. Each shard of a group gets an equal share of the bytes left, and may stop early
 * (by count or by bytes); the page then takes only the merged jobs newer than the newest job a shard
 * left out, as no shard can hold an unseen job above that point. The cursor names the group and the
 * position in it, so following `next` yields every matching job exactly once, and a page that stops
 * early says so with `next`.
 */
export async function walkShards(
  source: ShardWalkSource,
  options: { limit: number; shardBudget: number; byteBudget: number; cursor: ShardWalkCursor | null },
): Promise<ShardWalkPage> {
  let { after, through, before } = options.cursor ?? { after: null, through: null, before: null };
  let shardsLeft = options.shardBudget;
  let bytesLeft = options.byteBudget;
  const data: Job[] = [];
  while (shardsLeft > 0 && bytesLeft > 0 && data.length < options.limit) {
    const names = await source.shardsAfter(after, through, shardsLeft);
    if (names.length === 0) return { data, next: null };
    shardsLeft -= names.length;
    const end = names.at(-1)!;
    const need = options.limit - data.length;
    const maxBytes = Math.floor(bytesLeft / names.length);
    const reads = await Promise.all(
      names.map((name) => source.read(name, { limit: need, before, maxBytes })),
    );
    const edge = frontier(reads);
    let taken = reads
      .flatMap((r) => r.jobs)
      .filter((job) => edge === null || isNewer(keyOf(job), edge))
      .sort(newestFirst)
      .slice(0, need);
    if (taken.length === 0 && edge !== null && data.length === 0) {
      // The newest job left is larger than its shard's share: read it alone, so every page moves on.
      const at = reads.findIndex((r) => r.stop?.id === edge.id);
      reads[at] = await source.read(names[at]!, { limit: 1, before, maxBytes: Number.POSITIVE_INFINITY });
      taken = reads[at]!.jobs;
    }
    bytesLeft -= reads.reduce((sum, r) => sum + r.bytes, 0);
    data.push(...taken);
    const returned = reads.reduce((sum, r) => sum + r.jobs.length, 0);
    if (frontier(reads) === null && taken.length === returned) {
      // This group is read to its end: the walk goes on past it.
      after = end;
      through = null;
      before = null;
      continue;
    }
    const last = taken.at(-1);
    return { data, next: { after, through: end, before: last ? keyOf(last) : before } };
  }
  const more = await source.shardsAfter(after, null, 1);
  return { data, next: more.length > 0 ? { after, through: null, before: null } : null };
}
