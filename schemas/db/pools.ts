import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const pools = sqliteTable('pools', {
  name: text('name').primaryKey(),
  protocol: text('protocol').notNull(),
  /** The whole PoolConfig as JSON; validated with its zod schema on read. */
  config: text('config').notNull(),
  /**
   * Write time in ms, moved past the previous value on every write, so it is also the config's
   * version: the pool object never lets an older config replace a newer one.
   */
  updatedAt: integer('updated_at').notNull(),
});
