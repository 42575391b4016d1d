import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { jsonText } from './json-text.ts';

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    tenant: text('tenant').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull().unique(),
    scopes: jsonText<string[]>('scopes').notNull(),
    limits: jsonText<Record<string, number>>('limits').notNull(),
    allowedModels: jsonText<string[] | null>('allowed_models'),
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
