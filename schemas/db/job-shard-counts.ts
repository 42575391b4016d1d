import { integer, sqliteTable } from 'drizzle-orm/sqlite-core';

/** ECO_JOB_SHARDS values the gateway has run with, and when each was last in use. */
export const jobShardCounts = sqliteTable('job_shard_counts', {
  shards: integer('shards').primaryKey(),
  firstSeenAt: integer('first_seen_at').notNull(),
  lastSeenAt: integer('last_seen_at').notNull(),
});
