-- Key rotation keeps the key's id (its limits, usage and exchanged tokens carry over) and moves the
-- previous secret's hash here, valid until grace_until.
CREATE TABLE api_key_retired_hashes (
  key_hash TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  prefix TEXT NOT NULL,
  grace_until INTEGER NOT NULL,
  retired_at INTEGER NOT NULL
);
CREATE INDEX api_key_retired_hashes_key ON api_key_retired_hashes (key_id);

-- Usage queries and retention scan by time.
CREATE INDEX usage_events_time ON usage_events (created_at);
CREATE INDEX usage_events_tenant_model_time ON usage_events (tenant, model, created_at);
CREATE INDEX audit_log_target ON audit_log (target, created_at);
