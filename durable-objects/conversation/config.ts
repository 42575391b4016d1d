import { settings } from '../../workers/config/read-settings.ts';
import { INDICATOR_TIMEOUT_MS } from '../../workers/im/send/indicator.ts';

/** Conversation tuning, from `ECO_IM_*` vars (ranges in workers/config/settings.ts, documented in docs/im.md). */
export interface ConversationConfig {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  historyMessages: number;
  historyRetentionMs: number;
  dedupRetentionMs: number;
  ratePerMinute: number;
  rateBurst: number;
  modelTimeoutMs: number;
  sendTimeoutMs: number;
  /** Most messages one reply is sent as; a longer answer is cut with a visible note. */
  maxReplyParts: number;
  /** Estimated prompt tokens (system + history + message); the oldest history is left out beyond it. */
  promptMaxTokens: number;
  /** Longest a reply waits for its typing indicator request still in flight (its own timeout). */
  indicatorWaitMs: number;
  /** How often Telegram's typing status (which fades after 5 s) is sent again while the model works. */
  indicatorRefreshMs: number;
  /**
   * No further message is started once a drain pass has run this long: an alarm handler is cut off
   * after 15 minutes of wall time and retried only a few times, and one message may take minutes
   * (model timeout, sends). The rest continues in the next alarm, set for at once.
   */
  passBudgetMs: number;
}

const HOUR = 3_600_000;

export function conversationConfig(env: Record<string, unknown>): ConversationConfig {
  const s = settings(env);
  return {
    maxAttempts: s.ECO_IM_MAX_ATTEMPTS,
    retryBaseMs: s.ECO_IM_RETRY_BASE_MS,
    retryMaxMs: s.ECO_IM_RETRY_MAX_MS,
    historyMessages: s.ECO_IM_HISTORY_MESSAGES,
    historyRetentionMs: s.ECO_IM_HISTORY_RETENTION_HOURS * HOUR,
    dedupRetentionMs: s.ECO_IM_DEDUP_RETENTION_HOURS * HOUR,
    ratePerMinute: s.ECO_IM_CHAT_RATE_PER_MIN,
    rateBurst: s.ECO_IM_CHAT_BURST,
    modelTimeoutMs: s.ECO_IM_MODEL_TIMEOUT_MS,
    sendTimeoutMs: s.ECO_IM_SEND_TIMEOUT_MS,
    maxReplyParts: s.ECO_IM_MAX_REPLY_PARTS,
    promptMaxTokens: s.ECO_IM_PROMPT_MAX_TOKENS,
    indicatorWaitMs: INDICATOR_TIMEOUT_MS,
    indicatorRefreshMs: 4000,
    passBudgetMs: 5 * 60_000,
  };
}
