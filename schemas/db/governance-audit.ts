import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** One row per governance validation served by the Worker (migration 0003). */
export const governanceAudit = sqliteTable(
  'governance_audit',
  {
    id: text('id').primaryKey(),
    keyId: text('key_id'),
    tenant: text('tenant'),
    /** Epoch milliseconds. */
    createdAt: integer('created_at').notNull(),
    files: integer('files').notNull(),
    documentIds: text('document_ids', { mode: 'json' }).$type<string[]>().notNull(),
    errors: integer('errors').notNull(),
    warnings: integer('warnings').notNull(),
  },
  (t) => [index('governance_audit_tenant_time').on(t.tenant, t.createdAt)],
);
export type GovernanceAuditRow = typeof governanceAudit.$inferInsert;
