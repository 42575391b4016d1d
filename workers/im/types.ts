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
 * an ignorable receipt. `left` is the bot removed from the chat (LINE leave/unfollow, Telegram
 * my_chat_member left/kicked): the chat's pending replies are dropped, since no send can reach it.
 */
export interface ImEvent {
  /** The platform's dedup key: update_id, wamid, webhookEventId, mid. */
  eventId: string;
  kind: 'text' | 'ignored' | 'malformed' | 'platform_error' | 'left';
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
  /** Telegram callback query of a button tap: answered once, so the client's spinner stops. */
  callbackQueryId?: string;
  /** LINE reply token (single use, about a minute). */
  replyToken?: string;
  /** When the platform says the message was sent (Unix ms). */
  timestampMs: number;
  /** What else the parser saw that decides whether and how the message is answered. */
  signals?: MessageSignals;
  /** Why an event is ignored or malformed, for logs: `status`, `echo`, `join`, `no_event_id`, … */
  reason?: string;
}

/**
 * A mention in a message's text (UTF-16 offset and length, as both platforms count): of the bot itself
 * (`self`, LINE), of an account by `@username` or by user id (Telegram, checked against the bot's own).
 */
export interface Mention {
  offset: number;
  length: number;
  self?: boolean;
  username?: string;
  userId?: string;
}

export interface MessageSignals {
  /** Mentions in a group message: one of the bot addresses the message to it (see groupReplies). */
  mentions?: Mention[];
  /** A group message replying to a message of a bot with this id (Telegram). */
  replyToBotId?: string;
  /**
   * A group message quoting a past message by its id (LINE `quotedMessageId`): it addresses the bot
   * when that message is one the bot sent, which only the chat's Conversation knows.
   */
  quotedMessageId?: string;
  /** A first contact (Messenger Get Started, LINE follow): answered with the welcome text. */
  greeting?: boolean;
  /**
   * A tap on one of the bot's own buttons (a LINE postback, a Telegram callback query), whose text stands for what the person
   * chose: in a group it is addressed to the bot like a mention.
   */
  tap?: boolean;
  /**
   * The message came with an attachment the model cannot see (a captioned photo or file): its caption
   * is answered, and both the model and the user are told the attachment itself was not read.
   */
  attachment?: AttachmentKind;
}

/** What a person attached to a message, as the notes about it name it. */
export type AttachmentKind =
  | 'photo'
  | 'video'
  | 'audio'
  | 'voice'
  | 'file'
  | 'animation'
  | 'location'
  | 'contact'
  | 'poll'
  | 'story'
  | 'media';

/** How a bot answers in groups: only messages addressed to it (mention, reply, command), or every one. */
export type GroupReplies = 'mentions' | 'all';
export const DEFAULT_GROUP_REPLIES: GroupReplies = 'mentions';

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
  /** In group chats, answer only messages addressed to the bot (default) or every text message. */
  groupReplies?: GroupReplies;
}
