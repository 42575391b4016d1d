import type { Job } from '../../../schemas/jobs.ts';
import type { JobCursor } from '../../../workers/jobs/cursor.ts';
import type { ShardWalkSource } from '../../../workers/jobs/shard-walk.ts';

const newestFirst = (a: Job, b: Job) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1);
const below = (job: Job, before: JobCursor | null) =>
  before === null ||
  job.created_at < before.createdAt ||
  (job.created_at === before.createdAt && job.id < before.id);

/**
 * In-memory shards: name → jobs, read as the real ones are (newest first, strictly below a cursor, at
 * most `limit`, while the jobs' sizes together stay within `maxBytes`, saying where they stopped).
 * Every read is recorded with the bytes it returned.
 */
export function memorySource(shards: Map<string, Job[]>, sizeOf: (job: Job) => number = () => 1) {
  const names = [...shards.keys()].sort();
  const reads: { shard: string; bytes: number }[] = [];
  const source: ShardWalkSource = {
    shardsAfter: async (after, through, limit) =>
      names
        .filter((n) => (after === null || n > after) && (through === null || n <= through))
        .slice(0, limit),
    read: async (name, { limit, before, maxBytes }) => {
      const rows = shards
        .get(name)!
        .filter((j) => below(j, before))
        .sort(newestFirst);
      const jobs: Job[] = [];
      let bytes = 0;
      for (const job of rows) {
        if (jobs.length >= limit || bytes + sizeOf(job) > maxBytes) break;
        jobs.push(job);
        bytes += sizeOf(job);
      }
      const next = rows[jobs.length];
      reads.push({ shard: name, bytes });
      return { jobs, bytes, stop: next ? { createdAt: next.created_at, id: next.id } : null };
    },
  };
  return { source, reads };
}
