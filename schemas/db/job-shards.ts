import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** JobQueue objects (`jobs:<tenant>:<shard>`) that have held jobs. */
export const jobShards = sqliteTable('job_shards', {
  name: text('name').primaryKey(),
  tenant: text('tenant').notNull(),
  shard: integer('shard').notNull(),
  createdAt: integer('created_at').notNull(),
});
