/** The IM platforms the gateway answers on; each has its own webhook route per bot. */
export const PLATFORMS = ['telegram', 'whatsapp', 'line', 'messenger'] as const;
export type Platform = (typeof PLATFORMS)[number];

export function isPlatform(value: string): value is Platform {
  return (PLATFORMS as readonly string[]).includes(value);
}

/**
 * One platform event after parsing. Only `text` events reach a Conversation; the rest are counted
 * and acknowledged. A `text` event with an empty `text` is a message the model cannot read (a photo,
 * a voice note, a file) sent in a direct chat: it is answered with a note that only text is read. `malformed` marks an item the platform's schema promises but that lacks what is
 * needed to act on it (no event id): acknowledged too, since a redelivery would be just as broken.
 * `platform_error` is the platform reporting a failure (WhatsApp's `failed` receipt of a message it
 * had accepted, a webhook `errors[]` item): acknowledged, but logged and counted, never passed off as
 * an ignorable receipt.
 */
export interface ImEvent {
  /** The platform's dedup key: update_id, wamid, webhookEventId, mid. */
  eventId: string;
  kind: 'text' | 'ignored' | 'malformed' | 'platform_error';
  /** The conversation key inside the bot: Telegram chat, WhatsApp user, LINE group/room/user, PSID. */
  chatId: string;
  userId: string;
  text?: string;
  /** Where a reply is addressed when it differs from chatId (WhatsApp phone number vs BSUID). */
  address?: string;
  /** Platform message id to quote in the reply (Telegram message_id, WhatsApp wamid). */
  messageId?: string;
  /** The receiving account: WhatsApp phone_number_id, Messenger page id, LINE destination. */
  channelId?: string;
  /** A chat of several people (Telegram group or supergroup, LINE group or room), not a direct chat. */
  group?: boolean;
  /** Telegram forum topic (`message_thread_id` of a topic message): every reply part goes there. */
  threadId?: string;
  /** LINE reply token (single use, about a minute). */
  replyToken?: string;
  /** When the platform says the message was sent (Unix ms). */
  timestampMs: number;
  /** Why an event is ignored or malformed, for logs: `status`, `echo`, `join`, `no_event_id`, … */
  reason?: string;
}

/** Bot configuration as the Conversation needs it; secrets are names of Worker secrets, never values. */
export interface BotConfig {
  platform: Platform;
  id: string;
  name: string;
  keyId: string;
  defaultModel: string;
  secretName: string;
  verifyTokenName: string | null;
  accessTokenName: string;
  apiBase: string | null;
  settings: BotSettings;
}

export interface BotSettings {
  /** Prepended to every model call. */
  systemPrompt?: string;
  maxTokens?: number;
  /** Split replies at this many characters (never above the platform's limit). */
  maxMessageChars?: number;
  /** Show the platform's typing/loading indicator while the model works; absent means on. */
  typingIndicator?: boolean;
}
