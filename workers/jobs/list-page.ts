import { EcoError } from '../../schemas/errors.ts';
import type { Job } from '../../schemas/jobs.ts';
import { decodeWalkCursor, encodeWalkCursor } from './cursor.ts';
import { LIST_PAGE_BYTES, listLimit } from './list-params.ts';
import { type ShardWalkSource, walkShards } from './shard-walk.ts';

export interface JobListPage {
  object: 'list';
  data: Job[];
  has_more: boolean;
  next_cursor: string | null;
}

/** One page of a job listing from `source`, for the `limit` and `cursor` query parameters as given. */
export async function jobListPage(
  source: ShardWalkSource,
  shardBudget: number,
  query: { limit: string | undefined; cursor: string | undefined },
): Promise<JobListPage> {
  const page = await walkShards(source, {
    limit: listLimit(query.limit),
    shardBudget,
    byteBudget: LIST_PAGE_BYTES,
    cursor: query.cursor === undefined ? null : decodeWalkCursor(nonEmptyCursor(query.cursor)),
  });
  return {
    object: 'list',
    data: page.data,
    has_more: page.next !== null,
    next_cursor: page.next === null ? null : encodeWalkCursor(page.next),
  };
}

/**
 * An empty `cursor=` is refused rather than read as the first page: a script whose cursor variable came
 * back unset would otherwise list the first page again, forever.
 */
function nonEmptyCursor(cursor: string): string {
  if (cursor !== '') return cursor;
  throw new EcoError(400, 'invalid_cursor', 'cursor may not be empty; leave it out for the first page.', {
    param: 'cursor',
  });
}
