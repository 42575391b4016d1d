-- One row per validation served by POST /v1/governance/validate: who asked, when, which documents
-- were checked and what the linter found.
CREATE TABLE governance_audit (
  id TEXT PRIMARY KEY,
  key_id TEXT,
  tenant TEXT,
  created_at INTEGER NOT NULL,
  files INTEGER NOT NULL,
  -- JSON array of the document_metadata.unique_id values seen.
  document_ids TEXT NOT NULL DEFAULT '[]',
  errors INTEGER NOT NULL,
  warnings INTEGER NOT NULL
);
CREATE INDEX governance_audit_tenant_time ON governance_audit (tenant, created_at);
