import type { AttachmentKind, ImEvent, Mention, MessageSignals } from '../types.ts';
import { arr, id, type Json, malformed, notText, obj, str } from './json-shape.ts';
import { telegramTap } from './telegram-tap.ts';

/** Update kinds other than `message` that Telegram may send; acknowledged, never answered. */
const OTHER_KINDS = [
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'business_message',
  'my_chat_member',
  'chat_member',
  'message_reaction',
  'poll',
  // Inline mode: the bot offers no inline results, and a query left unanswered only shows none.
  'inline_query',
  'chosen_inline_result',
];

/**
 * Message fields of content the model cannot read, sent by a person, with the attachment each names;
 * stickers, dice and games are gestures rather than questions and stay unanswered, like service
 * messages. A caption (photo, video, file, audio, voice, animation) is text the model can read.
 */
const MEDIA: Record<string, AttachmentKind> = {
  photo: 'photo',
  voice: 'voice',
  audio: 'audio',
  video: 'video',
  video_note: 'video',
  // A GIF comes with a `document` field too: the animation names it.
  animation: 'animation',
  document: 'file',
  location: 'location',
  venue: 'location',
  contact: 'contact',
  poll: 'poll',
  story: 'story',
  paid_media: 'media',
};

/** A Telegram Update carries `update_id` and at most one payload. */
export function parseTelegram(body: unknown): ImEvent[] {
  const update = obj(body);
  const eventId = id(update?.update_id);
  // Telegram posts one Update per request: anything without an update_id is one malformed event.
  if (!update || !eventId) return [malformed(update ? 'no_event_id' : 'not_an_object')];
  const message = obj(update.message);
  const membership = botMembership(eventId, obj(update.my_chat_member));
  if (membership) return [membership];
  const query = obj(update.callback_query);
  if (query) return [telegramTap(eventId, query)];
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
  const messageId = id(message.message_id);
  // Anonymous group admins and people posting as a channel appear as a placeholder bot account
  // (GroupAnonymousBot, Channel_Bot) next to `sender_chat`: people, not a bot to ignore.
  const fromBot = from?.is_bot === true && obj(message.sender_chat) === undefined;
  if (chatId && fromBot) return [{ ...base, kind: 'ignored', reason: 'from_bot' }];
  // A linked channel's posts copied into its discussion group: nobody asked the bot anything.
  if (message.is_automatic_forward === true) return [{ ...base, kind: 'ignored', reason: 'channel_forward' }];
  // Media messages carry `caption` and `caption_entities` where a text message has `text` and `entities`.
  const text = str(message.text);
  const said = text ?? str(message.caption) ?? '';
  const entities = text !== undefined ? message.entities : message.caption_entities;
  const attachment = Object.entries(MEDIA).find(([field]) => field in message)?.[1];
  // Replies in ordinary groups carry a thread id too; only a topic message names a topic to answer in.
  const threadId = message.is_topic_message === true ? id(message.message_thread_id) : undefined;
  const quote = { ...(messageId ? { messageId } : {}), ...(threadId ? { threadId } : {}) };
  if (!chatId || said.trim() === '') {
    const reason = 'new_chat_members' in message || 'left_chat_member' in message ? 'join' : 'non_text';
    if (!chatId || !attachment) return [{ ...base, kind: 'ignored', reason }];
    // A direct chat is answered with a note that only text is read; in a group, only a reply to a bot,
    // which the Conversation checks is this one. The items of one album arrive as an Update each: they
    // share one event id, so the album gets one note (and spends the chat's allowance once).
    const album = id(message.media_group_id);
    const note = album ? { ...base, eventId: `album:${album}` } : base;
    if (chat?.type === 'private') return [notText({ ...note, ...quote })];
    const signals = base.group ? addressing(message, '', undefined) : undefined;
    if (signals) return [notText({ ...note, ...quote, signals })];
    return [{ ...base, kind: 'ignored', reason }];
  }
  const addressed = base.group ? addressing(message, said, entities) : undefined;
  const signals = attachment && text === undefined ? { ...addressed, attachment } : addressed;
  return [
    {
      ...base,
      kind: 'text',
      text: said,
      ...quote,
      ...(signals ? { signals } : {}),
    },
  ];
}

/**
 * The bot's own membership changing. Removed (`left` or `kicked`: taken out of a group, or blocked by
 * the user of a private chat): its pending replies can never be delivered. Added to a group: welcomed,
 * so the group learns how to address it.
 */
function botMembership(eventId: string, update: Json | undefined): ImEvent | undefined {
  const before = obj(update?.old_chat_member)?.status;
  const status = obj(update?.new_chat_member)?.status;
  const chat = obj(update?.chat);
  const chatId = id(chat?.id);
  if (!chatId) return undefined;
  const date = update?.date;
  const timestampMs = typeof date === 'number' && Number.isFinite(date) ? date * 1000 : 0;
  const base = { eventId, chatId, userId: chatId, timestampMs };
  if (status === 'left' || status === 'kicked') return { ...base, kind: 'left', reason: `bot_${status}` };
  const group = chat?.type === 'group' || chat?.type === 'supergroup';
  const joined =
    (before === 'left' || before === 'kicked') && (status === 'member' || status === 'administrator');
  if (group && joined) return { ...base, kind: 'text', text: '', group: true, signals: { greeting: true } };
  return undefined;
}

/**
 * What in a group message may address the bot: `@username` and `text_mention` entities (of the text,
 * or of a media message's caption), and a reply to a bot's message. Whose they are is settled later,
 * against the bot's own name and id.
 */
function addressing(message: Json, text: string, entities: unknown): MessageSignals | undefined {
  const mentions: Mention[] = [];
  for (const item of arr(entities)) {
    const entity = obj(item);
    const offset = entity?.offset;
    const length = entity?.length;
    if (typeof offset !== 'number' || typeof length !== 'number' || offset < 0 || length < 2) continue;
    if (entity?.type === 'mention') {
      const name = text.slice(offset, offset + length);
      if (name.startsWith('@')) mentions.push({ offset, length, username: name.slice(1) });
    } else if (entity?.type === 'text_mention') {
      const userId = id(obj(entity.user)?.id);
      if (userId) mentions.push({ offset, length, userId });
    }
  }
  const quoted = obj(message.reply_to_message);
  const author = obj(quoted?.from);
  // In a forum, a message outside any reply quotes its topic's creation: that is no reply to the bot.
  const replyToBotId =
    author?.is_bot === true && !('forum_topic_created' in (quoted ?? {})) ? id(author.id) : undefined;
  if (mentions.length === 0 && !replyToBotId) return undefined;
  return { ...(mentions.length > 0 ? { mentions } : {}), ...(replyToBotId ? { replyToBotId } : {}) };
}
