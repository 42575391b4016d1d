import { decimal, flag, origins, url, whole, word } from './setting-kinds.ts';

/**
 * Every numeric, boolean, enumerated, origin-list and URL `ECO_*` Worker var: kind, default, range, unit and meaning.
 * Read through `settings(env)` (read-settings.ts) and nowhere else; README's Configuration table
 * states the same defaults and ranges.
 */
export const SETTINGS = {
  ECO_ENVIRONMENT: word('production', {
    words: ['development', 'staging', 'production'],
    meaning: 'deployment kind; only `development` lets job callbacks reach loopback addresses',
    // Anything but the exact word is read as the strictest environment.
    unusable: 'production',
  }),
  ECO_KEY_CACHE_TTL_MS: whole(5000, {
    min: 0,
    max: 3_600_000,
    unit: 'milliseconds',
    meaning: 'isolate cache of key lookups: the bound on how long a revoked key may still pass',
  }),
  ECO_MAX_BODY_BYTES: whole(1_048_576, {
    min: 1024,
    max: 33_554_432,
    unit: 'bytes',
    meaning: 'request body limit (413 above)',
  }),
  ECO_DEFAULT_MAX_TOKENS: whole(1024, {
    min: 1,
    max: 1_048_576,
    unit: 'tokens',
    meaning: 'completion tokens reserved for a request without max_tokens',
  }),
  ECO_AUTH_FAILURES_PER_MIN: whole(60, {
    min: 0,
    max: 100_000,
    unit: 'failures',
    meaning: 'invalid credentials per client address and minute before it is throttled (0: off)',
  }),
  ECO_STREAM_HOLD_MS: whole(5000, {
    min: 0,
    max: 90_000,
    unit: 'milliseconds',
    meaning: "how long a stream's response headers wait for the first token",
  }),
  ECO_STREAM_FLUSH_MS: whole(1, {
    min: 0,
    max: 1000,
    unit: 'milliseconds',
    meaning: 'stream events an origin bursts out within this window leave in one write (0: each alone)',
  }),
  ECO_DOCS_ENABLED: flag(true, {
    meaning: 'serve /docs',
    // It is on unless set: whoever set it to something else most likely meant to turn it off.
    unusable: false,
  }),
  ECO_CORS_ORIGINS: origins({
    meaning: 'comma list of exact browser origins allowed by CORS (`*` alone: any)',
  }),
  ECO_CORS_CREDENTIALS: flag(false, { meaning: 'allow credentials for listed origins' }),
  ECO_CORS_MAX_AGE_S: whole(600, { min: 0, max: 86_400, unit: 'seconds', meaning: 'preflight cache' }),
  ECO_LIMIT_RESERVATION_TTL_MS: whole(60_000, {
    min: 60_000,
    max: 86_400_000,
    unit: 'milliseconds',
    meaning:
      'release of reservations neither settled nor renewed (a running request renews its own every quarter of this)',
  }),
  ECO_USAGE_RETENTION_DAYS: whole(90, {
    min: 0,
    max: 36_500,
    unit: 'days',
    meaning: 'usage rows kept (0 = forever)',
    // Nothing is deleted on the strength of a value the operator did not write.
    unusable: 0,
  }),
  ECO_IM_BOT_CACHE_TTL_MS: whole(10_000, {
    min: 0,
    max: 3_600_000,
    unit: 'milliseconds',
    meaning: 'how long an isolate caches a bot row',
  }),
  // Meta batches up to 1,000 updates in one POST, and a body refused as too large is refused on every
  // retry, then dropped: the default leaves room for a full batch of long messages.
  ECO_IM_MAX_BODY_BYTES: whole(8_388_608, {
    min: 1024,
    max: 33_554_432,
    unit: 'bytes',
    meaning: 'largest webhook body accepted (413 above)',
  }),
  ...imApiBases(),
  ...imConversationSettings(),
  ...jobSettingsTable(),
} as const;

export type SettingName = keyof typeof SETTINGS;

/** Each platform's send API, when a bot names no `apiBase` of its own (a proxy, a test double). */
function imApiBases() {
  return {
    ECO_TELEGRAM_API_BASE: url('https://api.telegram.org', { meaning: 'Telegram Bot API base' }),
    ECO_WHATSAPP_API_BASE: url('https://graph.facebook.com/v23.0', { meaning: 'WhatsApp Cloud API base' }),
    ECO_LINE_API_BASE: url('https://api.line.me', { meaning: 'LINE Messaging API base' }),
    ECO_MESSENGER_API_BASE: url('https://graph.facebook.com/v23.0', { meaning: 'Messenger Send API base' }),
  } as const;
}

function imConversationSettings() {
  return {
    ECO_IM_MAX_ATTEMPTS: whole(5, { min: 1, max: 100, unit: 'tries', meaning: 'tries per reply' }),
    ECO_IM_RETRY_BASE_MS: whole(2000, {
      min: 1,
      max: 3_600_000,
      unit: 'milliseconds',
      meaning: 'first retry delay; doubles per attempt',
    }),
    ECO_IM_RETRY_MAX_MS: whole(60_000, {
      min: 1,
      max: 3_600_000,
      unit: 'milliseconds',
      meaning: 'longest retry delay',
    }),
    ECO_IM_HISTORY_MESSAGES: whole(20, {
      min: 0,
      max: 1000,
      unit: 'messages',
      meaning: 'messages of history kept and sent to the model per chat',
    }),
    ECO_IM_HISTORY_RETENTION_HOURS: decimal(168, {
      min: 1,
      max: 8760,
      unit: 'hours',
      meaning: 'history older than this is deleted',
      unusable: 8760,
    }),
    ECO_IM_DEDUP_RETENTION_HOURS: decimal(168, {
      min: 1,
      max: 8760,
      unit: 'hours',
      meaning: 'how long processed event ids are remembered',
      unusable: 8760,
    }),
    ECO_IM_CHAT_RATE_PER_MIN: decimal(20, {
      min: 0,
      max: 10_000,
      unit: 'messages per minute',
      meaning: 'per-chat refill rate (0: no per-chat limit)',
    }),
    ECO_IM_CHAT_BURST: whole(5, { min: 1, max: 10_000, unit: 'messages', meaning: 'per-chat burst' }),
    ECO_IM_MODEL_TIMEOUT_MS: whole(120_000, {
      min: 1000,
      max: 600_000,
      unit: 'milliseconds',
      meaning: 'timeout of one model call',
    }),
    ECO_IM_SEND_TIMEOUT_MS: whole(10_000, {
      min: 500,
      max: 120_000,
      unit: 'milliseconds',
      meaning: 'timeout of one send API call',
    }),
    ECO_IM_MAX_REPLY_PARTS: whole(10, {
      min: 1,
      max: 100,
      unit: 'messages',
      meaning: 'most messages one answer is sent as',
    }),
    ECO_IM_PROMPT_MAX_TOKENS: whole(6000, {
      min: 1,
      max: 1_048_576,
      unit: 'tokens',
      meaning: 'estimated tokens of history + message sent to the model',
    }),
  } as const;
}

function jobSettingsTable() {
  return {
    ECO_JOB_SHARDS: whole(4, { min: 1, max: 256, unit: 'shards', meaning: 'JobQueue objects per tenant' }),
    ECO_JOB_CONCURRENCY: whole(4, {
      min: 1,
      max: 6,
      unit: 'jobs',
      meaning: 'jobs running at once per object',
    }),
    ECO_JOB_MAX_ATTEMPTS: whole(4, {
      min: 1,
      max: 20,
      unit: 'attempts',
      meaning: 'attempts before a job fails',
    }),
    ECO_JOB_RETRY_BASE_MS: whole(2000, {
      min: 0,
      max: 600_000,
      unit: 'milliseconds',
      meaning: 'first retry backoff step; doubles, capped at 5 min',
    }),
    ECO_JOB_DEFAULT_TIMEOUT_S: whole(3600, {
      min: 1,
      max: 86_400,
      unit: 'seconds',
      meaning: 'deadline when a job sets no timeout_seconds',
    }),
    ECO_JOB_ATTEMPT_TIMEOUT_S: whole(600, {
      min: 1,
      max: 720,
      unit: 'seconds',
      meaning: 'longest run of one job attempt',
    }),
    ECO_JOB_DEAD_LETTER_SHARDS: whole(256, {
      min: 1,
      max: 256,
      unit: 'shards',
      meaning: 'shards one dead-letter page reads at most',
    }),
    ECO_JOB_RETENTION_HOURS: decimal(168, {
      min: 0.001,
      max: 8760,
      unit: 'hours',
      meaning: 'how long finished jobs and results are kept',
      unusable: 8760,
    }),
    ECO_JOB_MAX_PENDING: whole(100_000, {
      min: 1,
      max: 100_000_000,
      unit: 'jobs',
      meaning: 'unfinished jobs a tenant may have',
    }),
    ECO_JOB_CALLBACK_MAX_ATTEMPTS: whole(10, {
      min: 1,
      max: 30,
      unit: 'attempts',
      meaning: 'delivery attempts per callback',
    }),
    ECO_JOB_CALLBACK_RETRY_BASE_MS: whole(2000, {
      min: 0,
      max: 600_000,
      unit: 'milliseconds',
      meaning: 'first callback retry step; doubles, capped at 10 min',
    }),
  } as const;
}
