import { describe, expect, it } from 'vitest';
import { parseLine } from '../../../workers/im/parse/line.ts';
import { parseMessenger } from '../../../workers/im/parse/messenger.ts';
import { parseTelegram } from '../../../workers/im/parse/telegram.ts';
import { parseWhatsApp } from '../../../workers/im/parse/whatsapp.ts';
import {
  lineBody,
  lineEvent,
  messengerBody,
  messengerMessaging,
  SENT_AT_S,
  telegramText,
  whatsappBatch,
} from './payloads.ts';

const kinds = (events: { kind: string; reason?: string }[]) => events.map((e) => e.reason ?? e.kind);

describe('Telegram updates', () => {
  it('normalizes a private text message', () => {
    expect(parseTelegram(telegramText(987654321, 111111111, 'Hello bot', 42))).toEqual([
      {
        eventId: '987654321',
        kind: 'text',
        chatId: '111111111',
        userId: '111111111',
        text: 'Hello bot',
        messageId: '42',
        timestampMs: SENT_AT_S * 1000,
      },
    ]);
  });

  it('acknowledges edits, channel posts, member updates, callbacks, service and media messages', () => {
    const chat = { id: -100, type: 'group' };
    const updates = [
      { update_id: 1, edited_message: { message_id: 1, chat, date: 1, text: 'edited' } },
      { update_id: 2, channel_post: { message_id: 1, chat, date: 1, text: 'post' } },
      { update_id: 3, my_chat_member: { chat } },
      { update_id: 4, callback_query: { id: 'x' } },
      { update_id: 5, message: { message_id: 2, chat, date: 1, new_chat_members: [{ id: 9 }] } },
      { update_id: 6, message: { message_id: 3, chat, date: 1, photo: [] } },
      { update_id: 7, message: { message_id: 4, chat, date: 1, from: { id: 5, is_bot: true }, text: 'bot' } },
      { update_id: 8, something_new: {} },
    ];
    expect(updates.flatMap(parseTelegram).map((e) => [e.kind, e.reason])).toEqual([
      ['ignored', 'edited_message'],
      ['ignored', 'channel_post'],
      ['ignored', 'my_chat_member'],
      ['ignored', 'callback_query'],
      ['ignored', 'join'],
      ['ignored', 'non_text'],
      ['ignored', 'from_bot'],
      ['ignored', 'other'],
    ]);
  });

  it('reports a body that is not an update as one malformed event', () => {
    for (const body of [null, [], 'x', 1, {}, { update_id: null }]) {
      expect(parseTelegram(body).map((e) => e.kind)).toEqual(['malformed']);
    }
  });
});

describe('WhatsApp notifications', () => {
  it('reads every message of every change and every entry', () => {
    const body = whatsappBatch([
      { id: 'wamid.A', from: '16505551234', text: 'one' },
      { id: 'wamid.B', from: '16505551234', text: 'two' },
      { id: 'wamid.C', from: '491700000000', text: 'three', fromUserId: 'DE.123' },
    ]);
    const second = whatsappBatch([{ id: 'wamid.D', from: '16505550000', text: 'four' }]);
    body.entry.push(second.entry[0]!);
    const events = parseWhatsApp(body);
    expect(events.map((e) => e.text)).toEqual(['one', 'two', 'three', 'four']);
    expect(events[0]).toMatchObject({
      eventId: 'wamid.A',
      chatId: '16505551234',
      address: '16505551234',
      messageId: 'wamid.A',
      channelId: '106540352242922',
      timestampMs: SENT_AT_S * 1000,
    });
    // A business-scoped user id keys the conversation; the phone number still addresses the reply.
    expect(events[2]).toMatchObject({ chatId: 'DE.123', address: '491700000000' });
  });

  it('acknowledges status receipts and stickers (photos and files get a note: not-text.test.ts)', () => {
    const body = whatsappBatch(
      [{ id: 'wamid.I', from: '1', type: 'sticker' }],
      [
        { id: 'wamid.X', status: 'delivered', recipient: '1' },
        { id: 'wamid.X', status: 'read', recipient: '1' },
      ],
    );
    expect(kinds(parseWhatsApp(body))).toEqual(['status', 'status', 'type:sticker']);
  });

  it('ignores other webhook fields and malformed shapes without throwing', () => {
    expect(
      parseWhatsApp({
        object: 'whatsapp_business_account',
        entry: [{ changes: [{ field: 'account_update', value: {} }] }],
      }),
    ).toEqual([]);
    // Without the envelope it is not a notification at all: one malformed event (platform-failures.test.ts).
    expect(parseWhatsApp({ entry: 'x' }).map((e) => e.kind)).toEqual(['malformed']);
    expect(parseWhatsApp(null).map((e) => e.kind)).toEqual(['malformed']);
  });

  it('reports messages without an id as malformed, not silently dropped', () => {
    const body = whatsappBatch([{ id: 'wamid.OK', from: '1', text: 'fine' }]);
    const messages = body.entry[0]!.changes[0]!.value.messages as unknown[];
    messages.push({ from: '2', type: 'text', text: { body: 'no id' } }, 'not an object');
    expect(parseWhatsApp(body).map((e) => [e.kind, e.reason])).toEqual([
      ['text', undefined],
      ['malformed', 'no_event_id'],
      ['malformed', 'not_an_object'],
    ]);
  });
});

describe('LINE events', () => {
  it('answers text in one-to-one and group chats, keyed by group', () => {
    const events = parseLine(
      lineBody([
        lineEvent({ id: '01A', text: 'hello' }),
        lineEvent({ id: '01B', text: 'in group', groupId: 'Cgroup' }),
      ]),
    );
    expect(events[0]).toMatchObject({
      eventId: '01A',
      kind: 'text',
      chatId: 'U4af4980629abcdef0123456789abcdef',
      replyToken: 'rt-01A',
      channelId: 'U0123456789abcdef0123456789abcdef',
      timestampMs: SENT_AT_S * 1000,
    });
    expect(events[1]).toMatchObject({ chatId: 'Cgroup', userId: 'U4af4980629abcdef0123456789abcdef' });
    // Only a group (or room) is marked: it decides which commands are left to other bots.
    expect(events[0]!.group).toBeUndefined();
    expect(events[1]!.group).toBe(true);
  });

  it('treats the console Verify call (no events, or dummy reply tokens) as nothing to answer', () => {
    expect(parseLine(lineBody([]))).toEqual([]);
    const dummy = parseLine(
      lineBody([
        lineEvent({ id: '01C', replyToken: '00000000000000000000000000000000' }),
        lineEvent({ id: '01D', replyToken: 'ffffffffffffffffffffffffffffffff' }),
      ]),
    );
    expect(kinds(dummy)).toEqual(['verify', 'verify']);
  });

  it('acknowledges member joins, postbacks, stickers, standby mode and follows in standby', () => {
    const events = parseLine(
      lineBody([
        lineEvent({ id: '1', type: 'follow', mode: 'standby' }),
        lineEvent({ id: '2', type: 'memberJoined', groupId: 'G' }),
        lineEvent({ id: '3', type: 'postback' }),
        lineEvent({ id: '4', messageType: 'sticker' }),
        lineEvent({ id: '5', mode: 'standby', text: 'hi' }),
      ]),
    );
    expect(events.every((e) => e.kind === 'ignored')).toBe(true);
    expect(kinds(events)).toEqual(['standby', 'memberJoined', 'postback', 'message:sticker', 'standby']);
  });

  it('reports events with neither webhookEventId nor a message id as malformed', () => {
    const { webhookEventId: _id, ...noEventId } = lineEvent({ id: 'X', type: 'follow' });
    const events = parseLine(lineBody([noEventId, 42, lineEvent({ id: 'Y', text: 'ok' })]));
    expect(events.map((e) => [e.kind, e.reason])).toEqual([
      ['malformed', 'no_event_id'],
      ['malformed', 'not_an_object'],
      ['text', undefined],
    ]);
  });
});

describe('Messenger events', () => {
  it('reads every messaging item of every entry', () => {
    const events = parseMessenger(
      messengerBody([
        [
          messengerMessaging({ mid: 'm1', psid: 'P1', text: 'one' }),
          messengerMessaging({ mid: 'm2', psid: 'P1', text: 'two' }),
        ],
        [messengerMessaging({ mid: 'm3', psid: 'P2', text: 'three' })],
      ]),
    );
    expect(events.map((e) => [e.eventId, e.chatId, e.text, e.channelId])).toEqual([
      ['m1', 'P1', 'one', 'PAGE_ID'],
      ['m2', 'P1', 'two', 'PAGE_ID'],
      ['m3', 'P2', 'three', 'PAGE_ID'],
    ]);
  });

  it('never answers echoes of its own messages, deliveries, reads, stickers, edits or reactions', () => {
    const base = { sender: { id: 'P1' }, recipient: { id: 'PAGE_ID' }, timestamp: 1 };
    const events = parseMessenger(
      messengerBody([
        [
          messengerMessaging({ mid: 'e1', psid: 'P1', text: 'my own reply', echo: true }),
          { ...base, message: { mid: 'a1', sticker_id: 369239263222822, attachments: [{ type: 'image' }] } },
          { ...base, delivery: { mids: ['x'], watermark: 1 } },
          { ...base, read: { watermark: 1 } },
          { ...base, message_edit: { mid: 'm1', text: 'new' } },
          { ...base, reaction: { mid: 'm1', action: 'react' } },
        ],
      ]),
    );
    expect(events.every((e) => e.kind === 'ignored')).toBe(true);
    expect(kinds(events)).toEqual(['echo', 'attachment', 'delivery', 'read', 'message_edit', 'reaction']);
  });

  it('reports messages without a mid as malformed', () => {
    const { message, ...rest } = messengerMessaging({ mid: 'm', psid: 'P1', text: 'no mid' });
    const { mid: _mid, ...noMid } = message;
    const events = parseMessenger(messengerBody([[{ ...rest, message: noMid }, null]]));
    expect(events.map((e) => [e.kind, e.reason])).toEqual([
      ['malformed', 'no_event_id'],
      ['malformed', 'not_an_object'],
    ]);
  });
});
