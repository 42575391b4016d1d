import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    tenant: text('tenant').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull().unique(),
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    limits: text('limits', { mode: 'json' }).$type<Record<string, number>>().notNull(),
    allowedModels: text('allowed_models', { mode: 'json' }).$type<string[] | null>(),
    defaultPriority: text('default_priority').notNull(),
    maxPriority: text('max_priority').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at'),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
    graceUntil: integer('grace_until'),
    replacedBy: text('replaced_by'),
  },
  (t) => [index('api_keys_tenant').on(t.tenant)],
);
export type ApiKeyRow = typeof apiKeys.$inferSelect;
