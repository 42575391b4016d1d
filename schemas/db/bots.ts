import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const bots = sqliteTable(
  'bots',
  {
    platform: text('platform').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    keyId: text('key_id').notNull(),
    defaultModel: text('default_model').notNull(),
    secretName: text('secret_name').notNull(),
    verifyTokenName: text('verify_token_name'),
    accessTokenName: text('access_token_name').notNull(),
    apiBase: text('api_base'),
    settings: text('settings', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.id] })],
);
export type BotRow = typeof bots.$inferSelect;
