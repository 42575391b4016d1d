import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { ModelRoute } from '../config.ts';

export const models = sqliteTable('models', {
  id: text('id').primaryKey(),
  aliases: text('aliases', { mode: 'json' }).$type<string[]>().notNull(),
  ownedBy: text('owned_by').notNull(),
  routes: text('routes', { mode: 'json' }).$type<ModelRoute[]>().notNull(),
  capabilities: text('capabilities', { mode: 'json' }).$type<string[]>().notNull(),
  contextLength: integer('context_length').notNull(),
  source: text('source'),
  createdAt: integer('created_at').notNull(),
});
export type ModelRow = typeof models.$inferSelect;
