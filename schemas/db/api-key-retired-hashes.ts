import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Previous secrets of rotated keys, accepted until `graceUntil` (migration 0004). */
export const apiKeyRetiredHashes = sqliteTable(
  'api_key_retired_hashes',
  {
    keyHash: text('key_hash').primaryKey(),
    keyId: text('key_id').notNull(),
    prefix: text('prefix').notNull(),
    /** Epoch milliseconds. */
    graceUntil: integer('grace_until').notNull(),
    retiredAt: integer('retired_at').notNull(),
  },
  (t) => [index('api_key_retired_hashes_key').on(t.keyId)],
);
export type ApiKeyRetiredHashRow = typeof apiKeyRetiredHashes.$inferSelect;
