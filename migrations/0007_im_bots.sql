-- IM bots (several per platform) and the IM counters shown on /metrics, aggregated across chats.
CREATE TABLE bots (
  platform TEXT NOT NULL CHECK (platform IN ('telegram', 'whatsapp', 'line', 'messenger')),
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  -- The API key the bot bills to: its limits, usage and allowed models apply to every reply.
  key_id TEXT NOT NULL,
  default_model TEXT NOT NULL,
  -- Names of Worker secrets, never the values: the webhook secret (Telegram secret_token, Meta app
  -- secret, LINE channel secret), the Meta handshake verify token, and the send API access token.
  secret_name TEXT NOT NULL,
  verify_token_name TEXT,
  access_token_name TEXT NOT NULL,
  -- Send API base URL override (tests point it at a fake); NULL: the ECO_*_API_BASE var or the platform.
  api_base TEXT,
  settings TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (platform, id)
);

CREATE TABLE im_counters (
  metric TEXT NOT NULL,
  -- Canonical Prometheus label set, e.g. `bot="dev",platform="line"`.
  labels TEXT NOT NULL,
  value INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (metric, labels)
);
