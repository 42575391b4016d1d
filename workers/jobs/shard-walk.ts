import type { Job } from '../../schemas/jobs.ts';
import type { JobCursor, ShardWalkCursor } from './cursor.ts';

/** How a walk reaches the shards; both answer in a stable order so a cursor can resume. */
export interface ShardWalkSource {
  /** Shard names in ascending order, after `after` (all when null), up to `through` when given, at most `limit`. */
  shardsAfter(after: string | null, through: string | null, limit: number): Promise<string[]>;
  /** One shard's matching jobs, newest first, below `before` when given, at most `limit`. */
  read(shard: string, limit: number, before: JobCursor | null): Promise<Job[]>;
}

export interface ShardWalkPage {
  data: Job[];
  /** Where the next page starts; null when every shard has been read to the end. */
  next: ShardWalkCursor | null;
}

const newestFirst = (a: Job, b: Job) =>
  b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * One page of jobs from any number of shards, reading at most `shardBudget` shards (one Durable Object
 * call each). Shards are taken in name order, in groups: a group is read newest first until it runs
 * out, then the walk moves past it. The cursor names the group and the position in it, so following
 * `next` yields every matching job exactly once, and a page that stops early says so with `next`.
 */
export async function walkShards(
  source: ShardWalkSource,
  options: { limit: number; shardBudget: number; cursor: ShardWalkCursor | null },
): Promise<ShardWalkPage> {
  let { after, through, before } = options.cursor ?? { after: null, through: null, before: null };
  let budget = options.shardBudget;
  const data: Job[] = [];
  while (budget > 0 && data.length < options.limit) {
    const names = await source.shardsAfter(after, through, budget);
    if (names.length === 0) return { data, next: null };
    budget -= names.length;
    const end = names.at(-1)!;
    const need = options.limit - data.length;
    const pages = await Promise.all(names.map((name) => source.read(name, need + 1, before)));
    const merged = pages.flat().sort(newestFirst);
    data.push(...merged.slice(0, need));
    if (merged.length > need) {
      const last = data.at(-1)!;
      return { data, next: { after, through: end, before: { createdAt: last.created_at, id: last.id } } };
    }
    // This group is read to its end: the walk goes on past it.
    after = end;
    through = null;
    before = null;
  }
  const more = await source.shardsAfter(after, null, 1);
  return { data, next: more.length > 0 ? { after, through: null, before: null } : null };
}
