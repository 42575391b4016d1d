-- Every ECO_JOB_SHARDS value the gateway has run with, and when last: a submit with an Idempotency-Key
-- also looks on the key's shard under each count still in use within the idempotency window, and a
-- tenant listing reads as many shards as any count that may still hold retained jobs.
CREATE TABLE IF NOT EXISTS job_shard_counts (
  shards INTEGER PRIMARY KEY,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
