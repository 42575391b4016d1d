import { beforeAll, describe, expect, it, vi } from 'vitest';
import { MESSAGES } from '../../../workers/im/commands.ts';
import { parseMessenger } from '../../../workers/im/parse/messenger.ts';
import { parseTelegram } from '../../../workers/im/parse/telegram.ts';
import { parseWhatsApp } from '../../../workers/im/parse/whatsapp.ts';
import type { OutboundRequest } from '../../../workers/im/send/types.ts';
import { postWebhook } from './bots.ts';
import {
  drive,
  type FakeWorld,
  fakePorts,
  fakeWorld,
  type LogEntry,
  ok,
  type Sent,
  testBot,
} from './core-driver.ts';
import {
  completion,
  lastUser,
  mockModel,
  mockSendApi,
  seedTelegramBot,
  telegramBotNames,
} from './harness.ts';
import { messengerBody, SENT_AT_S, whatsappBatch } from './payloads.ts';

const { modelHost: MODEL_HOST, api: API } = telegramBotNames('captions');

beforeAll(() => seedTelegramBot('captions'));

/** A Telegram photo message; `chat` decides private or group. */
function photo(updateId: number, chat: { id: number; type: string }, extra: Record<string, unknown> = {}) {
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      from: { id: 41, is_bot: false, first_name: 'Grace' },
      chat,
      date: SENT_AT_S,
      photo: [{ file_id: 'small' }, { file_id: 'large' }],
      ...extra,
    },
  };
}
const GROUP = { id: -100700, type: 'supergroup' };
/** Parsed as it arrives: through JSON, so a field set to undefined is absent. */
const wire = (update: unknown) => parseTelegram(JSON.parse(JSON.stringify(update)));
/** A caption naming the bot, with the entity Telegram puts in `caption_entities` for it. */
const mentioning = (caption: string, at = caption.indexOf('@eco_bot')) => ({
  caption,
  caption_entities: [{ type: 'mention', offset: at, length: 8 }],
});

/** Telegram's getMe for `eco_bot` (user id 1); every other call succeeds. */
function telegramWorld(): FakeWorld {
  const world = fakeWorld();
  world.respond = (request: OutboundRequest) =>
    request.url.endsWith('/getMe')
      ? {
          status: 200,
          body: JSON.stringify({ ok: true, result: { id: 1, is_bot: true, username: 'eco_bot' } }),
          headers: new Headers(),
        }
      : ok();
  return world;
}
const asked = (world: FakeWorld) =>
  world.log.flatMap((e: LogEntry) => (e.kind === 'complete' ? [e.text] : []));
const replies = (world: FakeWorld) =>
  world.log.flatMap((e: LogEntry) =>
    e.kind === 'send' && e.url.endsWith('/sendMessage') ? [(e as Sent).body.text] : [],
  );

describe('media messages with a caption', () => {
  it('Telegram: a caption that mentions the bot (caption_entities) addresses it in a group', () => {
    const [event] = parseTelegram(photo(1, GROUP, mentioning('@eco_bot what is on this receipt?')));
    expect(event).toMatchObject({
      kind: 'text',
      group: true,
      text: '@eco_bot what is on this receipt?',
      signals: { mentions: [{ offset: 0, length: 8, username: 'eco_bot' }], attachment: 'photo' },
    });
    // A GIF carries a `document` field as well; it is named as what it is.
    const [gif] = wire(
      photo(3, { id: 5, type: 'private' }, { photo: undefined, animation: {}, document: {}, caption: 'lol' }),
    );
    expect(gif?.signals).toEqual({ attachment: 'animation' });
    // Entities of the text do not count for a caption, nor caption entities for a text.
    const [textOnly] = parseTelegram({
      update_id: 2,
      message: {
        message_id: 2,
        from: { id: 41, is_bot: false },
        chat: GROUP,
        date: SENT_AT_S,
        text: 'hello @eco_bot',
        caption_entities: [{ type: 'mention', offset: 6, length: 8 }],
      },
    });
    expect(textOnly?.signals).toBeUndefined();
  });

  it('in a group: answers the caption that mentions the bot, telling model and user the photo was not seen', async () => {
    const world = telegramWorld();
    const events = [
      photo(10, GROUP, mentioning('@eco_bot what is this?')),
      photo(11, GROUP, { caption: 'our team lunch' }),
      photo(12, GROUP, {
        caption: 'and this one?',
        reply_to_message: { message_id: 3, from: { id: 1, is_bot: true, username: 'eco_bot' } },
      }),
    ].flatMap(wire);
    const result = await drive('telegram:cap:-100700', testBot('telegram', 'cap'), events, world);
    expect(result.backlog).toBe(0);
    expect(asked(world)).toEqual([
      `${MESSAGES.attachmentForModel('photo')}\nwhat is this?`,
      `${MESSAGES.attachmentForModel('photo')}\nand this one?`,
    ]);
    expect(replies(world)).toEqual([
      `${MESSAGES.attachmentNotRead('photo')}\n\nanswer to ${asked(world)[0]}`,
      `${MESSAGES.attachmentNotRead('photo')}\n\nanswer to ${asked(world)[1]}`,
    ]);
  });

  it('in a group: a photo replying to the bot, or captioned with its name alone, gets the text-only note', async () => {
    const world = telegramWorld();
    const events = [
      photo(20, GROUP, {
        reply_to_message: { message_id: 3, from: { id: 1, is_bot: true, username: 'eco_bot' } },
      }),
      photo(21, GROUP, mentioning('@eco_bot')),
      // A reply to another bot with a photo is not for this one.
      photo(22, GROUP, {
        reply_to_message: { message_id: 4, from: { id: 9, is_bot: true, username: 'other_bot' } },
      }),
      // A plain photo in the group is nobody's question.
      photo(23, GROUP),
    ].flatMap(wire);
    expect(events.map((e) => e.kind)).toEqual(['text', 'text', 'text', 'ignored']);
    await drive('telegram:cap:-100701', testBot('telegram', 'cap'), events, world);
    expect(asked(world)).toEqual([]);
    expect(replies(world)).toEqual([MESSAGES.textOnly, MESSAGES.textOnly]);
  });

  it('in a direct chat: the caption is answered with the note; a photo without one gets the text-only note', async () => {
    const world = telegramWorld();
    const chat = { id: 4101, type: 'private' };
    const events = [
      photo(30, chat, { caption: 'Translate: bonjour' }),
      photo(31, chat, { document: { file_id: 'd' }, photo: undefined, caption: '   ' }),
      photo(32, chat),
    ].flatMap(wire);
    await drive('telegram:cap:4101', testBot('telegram', 'cap'), events, world);
    expect(asked(world)).toEqual([`${MESSAGES.attachmentForModel('photo')}\nTranslate: bonjour`]);
    expect(replies(world)).toEqual([
      `${MESSAGES.attachmentNotRead('photo')}\n\nanswer to ${asked(world)[0]}`,
      MESSAGES.textOnly,
      MESSAGES.textOnly,
    ]);
  });

  it('an album (one Update per photo) gets one text-only note, whatever its caption', async () => {
    const world = telegramWorld();
    const chat = { id: 4103, type: 'private' };
    const album = (updateId: number, extra: Record<string, unknown> = {}) =>
      photo(updateId, chat, { media_group_id: '13790000000000001', ...extra });
    const captioned = [album(40, { caption: 'Translate: bonjour' }), album(41), album(42)].flatMap(wire);
    const bare = [43, 44, 45]
      .map((n) => photo(n, chat, { media_group_id: '13790000000000002' }))
      .flatMap(wire);
    await drive('telegram:cap:4103', testBot('telegram', 'cap'), [...captioned, ...bare], world);
    expect(asked(world)).toEqual([`${MESSAGES.attachmentForModel('photo')}\nTranslate: bonjour`]);
    expect(replies(world)).toEqual([
      `${MESSAGES.attachmentNotRead('photo')}\n\nanswer to ${asked(world)[0]}`,
      MESSAGES.textOnly,
      MESSAGES.textOnly,
    ]);
  });

  it('the history keeps the note, so later answers know the attachment was never seen', async () => {
    const world = telegramWorld();
    const chat = { id: 4102, type: 'private' };
    const later = {
      update_id: 41,
      message: { message_id: 41, from: { id: 41 }, chat, date: SENT_AT_S, text: 'so?' },
    };
    const prompts: unknown[] = [];
    const ports = fakePorts(world);
    const complete = ports.complete;
    ports.complete = (call) => {
      prompts.push(call.messages);
      return complete(call);
    };
    const events = [photo(40, chat, { caption: 'is it ripe?' }), later].flatMap(wire);
    await drive('telegram:cap:4102', testBot('telegram', 'cap'), events, world, { ports });
    const note = `${MESSAGES.attachmentForModel('photo')}\nis it ripe?`;
    expect(prompts[1]).toEqual([
      { role: 'user', content: note },
      { role: 'assistant', content: `answer to ${note}` },
      { role: 'user', content: 'so?' },
    ]);
  });

  it('WhatsApp: an image or document with a caption is answered; without one, the note', () => {
    const body = whatsappBatch([
      { id: 'w1', from: '15550001', type: 'image' },
      { id: 'w2', from: '15550001', type: 'image' },
      { id: 'w3', from: '15550001', type: 'document' },
    ]);
    const messages = body.entry[0]!.changes[0]!.value.messages as Record<string, unknown>[];
    messages[1] = { ...messages[1], image: { id: 'img', caption: 'what does this say?' } };
    messages[2] = { ...messages[2], type: 'document', document: { id: 'doc', caption: 'summarize please' } };
    expect(parseWhatsApp(body).map((e) => [e.kind, e.text, e.signals?.attachment ?? null])).toEqual([
      ['text', '', null],
      ['text', 'what does this say?', 'photo'],
      ['text', 'summarize please', 'file'],
    ]);
  });

  it('Messenger: text sent together with a photo is answered with the note', () => {
    const person = { sender: { id: 'P1' }, recipient: { id: 'PAGE_ID' }, timestamp: SENT_AT_S * 1000 };
    const events = parseMessenger(
      messengerBody([
        [
          { ...person, message: { mid: 'm1', text: 'look', attachments: [{ type: 'image' }] } },
          { ...person, message: { mid: 'm2', text: 'plain' } },
        ],
      ]),
    );
    expect(events.map((e) => [e.text, e.signals?.attachment ?? null])).toEqual([
      ['look', 'photo'],
      ['plain', null],
    ]);
  });

  it('through the webhook: a captioned photo mentioning the bot is answered; one that does not is acknowledged only', async () => {
    const calls = mockModel(MODEL_HOST, () => completion('It is a cat.'));
    const sent = mockSendApi(API);
    const group = { id: -100750, type: 'supergroup' };
    const quiet = await postWebhook(
      'telegram',
      'captions',
      JSON.stringify(photo(60, group, { caption: 'lunch' })),
    );
    expect(await quiet.json()).toMatchObject({ queued: 0, ignored: 1 });
    const res = await postWebhook(
      'telegram',
      'captions',
      JSON.stringify(photo(61, group, mentioning('what animal is this @eco_bot'))),
    );
    expect(await res.json()).toMatchObject({ queued: 1 });
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.body.text).toBe(`${MESSAGES.attachmentNotRead('photo')}\n\nIt is a cat.`);
    expect(calls.map(lastUser)).toEqual([`${MESSAGES.attachmentForModel('photo')}\nwhat animal is this`]);
  });
});
