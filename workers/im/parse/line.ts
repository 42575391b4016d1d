import type { ImEvent, Mention } from '../types.ts';
import { arr, envelope, id, type Json, malformed, notText, obj, str } from './json-shape.ts';

/** Message types the model cannot read; stickers are gestures and stay unanswered. */
const MEDIA = new Set(['image', 'video', 'audio', 'file', 'location']);

/** Reply tokens of the console's old Verify call: replying to them always fails. */
const DUMMY_REPLY_TOKENS = new Set(['00000000000000000000000000000000', 'ffffffffffffffffffffffffffffffff']);

/**
 * LINE webhooks carry `events[]` (empty for the console's Verify call). Text messages and button taps
 * (postbacks) in active mode are answered; follows and joins welcomed; standby-mode events, rich menu
 * switches and the rest are acknowledged.
 */
export function parseLine(body: unknown): ImEvent[] {
  const items = envelope(body, 'events');
  if (!items) return [malformed('not_a_webhook')];
  const destination = str(obj(body)?.destination);
  const events: ImEvent[] = [];
  for (const item of items) {
    const event = obj(item);
    if (!event) {
      events.push(malformed('not_an_object'));
      continue;
    }
    const source = obj(event.source);
    const message = obj(event.message);
    const chatId = id(source?.groupId) ?? id(source?.roomId) ?? id(source?.userId) ?? '';
    const eventId = str(event.webhookEventId) ?? id(message?.id);
    if (!eventId) {
      events.push(malformed('no_event_id', chatId));
      continue;
    }
    const replyToken = str(event.replyToken);
    const base = {
      eventId,
      chatId,
      userId: id(source?.userId) ?? chatId,
      timestampMs: typeof event.timestamp === 'number' ? event.timestamp : 0,
      ...(destination ? { channelId: destination } : {}),
      ...(source?.type === 'group' || source?.type === 'room' ? { group: true } : {}),
    };
    const type = str(event.type) ?? 'unknown';
    if ((type === 'leave' || type === 'unfollow') && chatId) {
      // Taken out of the group or room, or blocked by the user: no reply can reach the chat any more.
      events.push({ ...base, kind: 'left', reason: type });
      continue;
    }
    const live = event.mode !== 'standby' && !(replyToken && DUMMY_REPLY_TOKENS.has(replyToken));
    const arrival = (type === 'follow' && source?.type === 'user') || (type === 'join' && base.group);
    if (arrival && live && replyToken && chatId) {
      // A new friend (or one unblocking), or the bot added to a group or room: welcomed, through the
      // reply token the event carries; in a group the welcome says how to address the bot.
      events.push({ ...base, kind: 'text', text: '', replyToken, signals: { greeting: true } });
      continue;
    }
    const tapped = type === 'postback' ? postbackText(obj(event.postback)) : undefined;
    if (tapped && live && chatId) {
      // A button of the bot's (a postback action) tapped: what it stands for is the person's answer.
      // LINE shows the action's displayText in the chat but sends only `data` (and a picked date).
      events.push({
        ...base,
        kind: 'text',
        text: tapped,
        ...(replyToken ? { replyToken } : {}),
        signals: { tap: true },
      });
      continue;
    }
    const text = type === 'message' && message?.type === 'text' ? str(message.text) : undefined;
    let reason: string | undefined;
    if (event.mode === 'standby') reason = 'standby';
    else if (type !== 'message') reason = type;
    else if (text === undefined || text.trim() === '') reason = `message:${str(message?.type) ?? 'unknown'}`;
    else if (replyToken && DUMMY_REPLY_TOKENS.has(replyToken)) reason = 'verify';
    else if (!chatId) reason = 'no_source';
    const messageId = id(message?.id);
    const media =
      reason === `message:${str(message?.type)}` &&
      source?.type === 'user' &&
      chatId !== '' &&
      MEDIA.has(str(message?.type) ?? '') &&
      !(replyToken && DUMMY_REPLY_TOKENS.has(replyToken));
    if (media) {
      events.push(
        notText({ ...base, ...(replyToken ? { replyToken } : {}), ...(messageId ? { messageId } : {}) }),
      );
      continue;
    }
    if (reason !== undefined || text === undefined) {
      events.push({ ...base, kind: 'ignored', reason: reason ?? 'unknown' });
      continue;
    }
    const mentions = base.group ? selfMentions(obj(message?.mention), destination) : [];
    // Whose the quoted message is, LINE does not say: the Conversation checks it against its own.
    const quotedMessageId = base.group ? id(message?.quotedMessageId) : undefined;
    const signals = {
      ...(mentions.length > 0 ? { mentions } : {}),
      ...(quotedMessageId ? { quotedMessageId } : {}),
    };
    events.push({
      ...base,
      kind: 'text',
      text,
      ...(replyToken ? { replyToken } : {}),
      ...(messageId ? { messageId } : {}),
      ...(Object.keys(signals).length > 0 ? { signals } : {}),
    });
  }
  return events;
}

/**
 * The mentions of the bot itself in a text message (`isSelf`, or a user mention of the bot's own id,
 * the webhook's `destination`). `@All` is an announcement to the group, not a question for the bot.
 */
function selfMentions(mention: Json | undefined, destination: string | undefined): Mention[] {
  const mentions: Mention[] = [];
  for (const item of arr(mention?.mentionees)) {
    const m = obj(item);
    const offset = m?.index;
    const length = m?.length;
    if (typeof offset !== 'number' || typeof length !== 'number' || offset < 0 || length < 1) continue;
    const self =
      m?.isSelf === true || (m?.type === 'user' && destination !== undefined && m.userId === destination);
    if (self) mentions.push({ offset, length, self: true });
  }
  return mentions;
}

/**
 * What a postback stands for: its `data`, with the date or time a picker chose. A rich menu switch
 * (`params.newRichMenuAliasId`) only changes the menu shown, and empty data says nothing: undefined.
 */
function postbackText(postback: Json | undefined): string | undefined {
  const data = str(postback?.data)?.trim();
  const params = obj(postback?.params);
  if (!data || params?.newRichMenuAliasId !== undefined) return undefined;
  const picked = str(params?.datetime) ?? str(params?.date) ?? str(params?.time);
  return picked ? `${data} ${picked}` : data;
}
