-- Core tables: API keys, the model registry, engine pools, usage events and the admin audit log.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  tenant TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL DEFAULT '["inference"]',
  limits TEXT NOT NULL DEFAULT '{}',
  allowed_models TEXT,
  default_priority TEXT NOT NULL DEFAULT 'normal',
  max_priority TEXT NOT NULL DEFAULT 'high',
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER,
  revoked_at INTEGER,
  -- Set on the old hash when a key is rotated: it keeps working until then.
  grace_until INTEGER,
  replaced_by TEXT
);
CREATE INDEX api_keys_tenant ON api_keys (tenant);

CREATE TABLE models (
  id TEXT PRIMARY KEY,
  aliases TEXT NOT NULL DEFAULT '[]',
  owned_by TEXT NOT NULL DEFAULT 'eco',
  routes TEXT NOT NULL,
  capabilities TEXT NOT NULL DEFAULT '["chat"]',
  context_length INTEGER NOT NULL DEFAULT 8192,
  source TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE pools (
  name TEXT PRIMARY KEY,
  protocol TEXT NOT NULL,
  config TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE usage_events (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL,
  key_id TEXT,
  tenant TEXT,
  model TEXT NOT NULL,
  pool TEXT,
  origin TEXT,
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  estimated INTEGER NOT NULL DEFAULT 0,
  status INTEGER NOT NULL,
  latency_ms INTEGER NOT NULL,
  ttft_ms INTEGER,
  streamed INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX usage_events_key_time ON usage_events (key_id, created_at);
CREATE INDEX usage_events_tenant_time ON usage_events (tenant, created_at);

CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  actor_key_id TEXT,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL
);
CREATE INDEX audit_log_time ON audit_log (created_at);
