import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const pools = sqliteTable('pools', {
  name: text('name').primaryKey(),
  protocol: text('protocol').notNull(),
  /** The whole PoolConfig as JSON; validated with its zod schema on read. */
  config: text('config').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
