import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const usageEvents = sqliteTable(
  'usage_events',
  {
    id: text('id').primaryKey(),
    requestId: text('request_id').notNull(),
    keyId: text('key_id'),
    tenant: text('tenant'),
    model: text('model').notNull(),
    pool: text('pool'),
    origin: text('origin'),
    promptTokens: integer('prompt_tokens').notNull(),
    completionTokens: integer('completion_tokens').notNull(),
    estimated: integer('estimated', { mode: 'boolean' }).notNull(),
    status: integer('status').notNull(),
    latencyMs: integer('latency_ms').notNull(),
    ttftMs: integer('ttft_ms'),
    streamed: integer('streamed', { mode: 'boolean' }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('usage_events_key_time').on(t.keyId, t.createdAt)],
);
export type UsageEventRow = typeof usageEvents.$inferInsert;
