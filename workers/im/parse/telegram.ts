import type { ImEvent } from '../types.ts';
import { id, malformed, notText, obj, str } from './json-shape.ts';

/** Update kinds other than `message` that Telegram may send; acknowledged, never answered. */
const OTHER_KINDS = [
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'business_message',
  'callback_query',
  'my_chat_member',
  'chat_member',
  'message_reaction',
  'poll',
];

/**
 * Message fields of content the model cannot read, sent by a person; stickers, dice and games are
 * gestures rather than questions and stay unanswered, like service messages.
 */
const MEDIA = [
  'photo',
  'voice',
  'audio',
  'video',
  'video_note',
  'document',
  'animation',
  'location',
  'venue',
  'contact',
  'poll',
  'story',
  'paid_media',
];

/** A Telegram Update carries `update_id` and at most one payload. */
export function parseTelegram(body: unknown): ImEvent[] {
  const update = obj(body);
  const eventId = id(update?.update_id);
  // Telegram posts one Update per request: anything without an update_id is one malformed event.
  if (!update || !eventId) return [malformed(update ? 'no_event_id' : 'not_an_object')];
  const message = obj(update.message);
  if (!message) {
    const kind = OTHER_KINDS.find((k) => k in update) ?? 'other';
    return [{ eventId, kind: 'ignored', chatId: '', userId: '', timestampMs: 0, reason: kind }];
  }
  const chat = obj(message.chat);
  const from = obj(message.from);
  const chatId = id(chat?.id) ?? '';
  const base = {
    eventId,
    chatId,
    userId: id(from?.id) ?? chatId,
    timestampMs: (typeof message.date === 'number' ? message.date : 0) * 1000,
    ...(chat?.type === 'group' || chat?.type === 'supergroup' ? { group: true } : {}),
  };
  const text = str(message.text);
  const messageId = id(message.message_id);
  if (!chatId || text === undefined || text.trim() === '') {
    const media = chat?.type === 'private' && from?.is_bot !== true && MEDIA.some((k) => k in message);
    if (chatId && media) return [notText({ ...base, ...(messageId ? { messageId } : {}) })];
    // Service messages (joins, leaves), media in groups, stickers.
    const reason = 'new_chat_members' in message || 'left_chat_member' in message ? 'join' : 'non_text';
    return [{ ...base, kind: 'ignored', reason }];
  }
  if (from?.is_bot === true) return [{ ...base, kind: 'ignored', reason: 'from_bot' }];
  // Replies in ordinary groups carry a thread id too; only a topic message names a topic to answer in.
  const threadId = message.is_topic_message === true ? id(message.message_thread_id) : undefined;
  return [
    { ...base, kind: 'text', text, ...(messageId ? { messageId } : {}), ...(threadId ? { threadId } : {}) },
  ];
}
