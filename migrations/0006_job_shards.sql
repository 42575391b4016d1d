-- Job queue shards that have held jobs: lets admins list dead letters across tenants without
-- knowing tenant names. Written once per shard (INSERT OR IGNORE), never on the job hot path after that.
CREATE TABLE IF NOT EXISTS job_shards (
  name TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  shard INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS job_shards_tenant ON job_shards (tenant);
