import { beforeAll, describe, expect, it, vi } from 'vitest';
import { MESSAGES } from '../../../workers/im/commands.ts';
import { parseLine } from '../../../workers/im/parse/line.ts';
import { parseMessenger } from '../../../workers/im/parse/messenger.ts';
import { parseTelegram } from '../../../workers/im/parse/telegram.ts';
import { parseWhatsApp } from '../../../workers/im/parse/whatsapp.ts';
import { postWebhook } from './bots.ts';
import { backlog, completion, mockModel, mockSendApi, seedTelegramBot, telegramBotNames } from './harness.ts';
import { lineBody, lineEvent, messengerBody, SENT_AT_S, whatsappBatch } from './payloads.ts';

const { modelHost: MODEL_HOST, api: API } = telegramBotNames('nottext');

beforeAll(() => seedTelegramBot('nottext'));

function telegramMessage(
  updateId: number,
  chat: { id: number; type: string },
  fields: Record<string, unknown>,
) {
  return {
    update_id: updateId,
    message: { message_id: updateId, from: { id: 31, is_bot: false }, chat, date: SENT_AT_S, ...fields },
  };
}
const notes = (events: { kind: string; text?: string; reason?: string }[]) =>
  events.map((e) => (e.kind === 'text' ? `note:${e.text === '' ? 'empty' : e.text}` : (e.reason ?? e.kind)));

describe('a message the model cannot read (photo, voice note, file) in a direct chat', () => {
  it('Telegram: a photo in a private chat is answered with a note that only text is read, without the model', async () => {
    const calls = mockModel(MODEL_HOST, () => completion('should not be asked'));
    const sent = mockSendApi(API);
    // Without a caption (a caption is answered: captions.test.ts).
    const photo = telegramMessage(1, { id: 3101, type: 'private' }, { photo: [{ file_id: 'f' }] });
    expect((await postWebhook('telegram', 'nottext', JSON.stringify(photo))).status).toBe(200);
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.body.text).toBe(MESSAGES.textOnly);
    expect((sent[0]!.body.reply_parameters as { message_id: number }).message_id).toBe(1);
    expect(calls).toHaveLength(0);
  });

  it('Telegram: in a group the same photo, and stickers anywhere, stay unanswered', async () => {
    const sent = mockSendApi(API);
    const group = telegramMessage(2, { id: -3102, type: 'supergroup' }, { photo: [{ file_id: 'f' }] });
    const sticker = telegramMessage(3, { id: 3103, type: 'private' }, { sticker: { file_id: 's' } });
    for (const update of [group, sticker]) {
      const res = await postWebhook('telegram', 'nottext', JSON.stringify(update));
      expect(await res.json()).toMatchObject({ queued: 0, ignored: 1 });
    }
    // A text after them is answered first and only: nothing was queued for the others.
    mockModel(MODEL_HOST, () => completion('hello back'));
    await postWebhook(
      'telegram',
      'nottext',
      JSON.stringify(telegramMessage(4, { id: 3103, type: 'private' }, { text: 'hi' })),
    );
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.body.text).toBe('hello back');
    expect(await backlog('telegram:nottext:-3102')).toBe(0);
  });

  it('each platform marks photos, voice, files and locations from a person as a message to answer', () => {
    const tg = [
      telegramMessage(10, { id: 1, type: 'private' }, { voice: { file_id: 'v' } }),
      telegramMessage(11, { id: 1, type: 'private' }, { document: { file_id: 'd' } }),
      telegramMessage(12, { id: 1, type: 'private' }, { location: { latitude: 1, longitude: 2 } }),
      telegramMessage(13, { id: 1, type: 'private' }, { new_chat_members: [{ id: 9 }] }),
      telegramMessage(14, { id: 1, type: 'private' }, { dice: { emoji: '🎲', value: 3 } }),
    ].flatMap(parseTelegram);
    expect(notes(tg)).toEqual(['note:empty', 'note:empty', 'note:empty', 'join', 'non_text']);

    const wa = parseWhatsApp(
      whatsappBatch([
        { id: 'w1', from: '1', type: 'image' },
        { id: 'w2', from: '1', type: 'audio' },
        { id: 'w3', from: '1', type: 'reaction' },
        { id: 'w4', from: '1', type: 'sticker' },
      ]),
    );
    expect(notes(wa)).toEqual(['note:empty', 'note:empty', 'type:reaction', 'type:sticker']);

    const line = parseLine(
      lineBody([
        lineEvent({ id: 'l1', messageType: 'image' }),
        lineEvent({ id: 'l2', messageType: 'audio' }),
        lineEvent({ id: 'l3', messageType: 'sticker' }),
        lineEvent({ id: 'l4', messageType: 'image', groupId: 'Cgroup' }),
      ]),
    );
    expect(notes(line)).toEqual(['note:empty', 'note:empty', 'message:sticker', 'message:image']);
    expect(line[0]).toMatchObject({ replyToken: 'rt-l1' });

    const person = { sender: { id: 'P1' }, recipient: { id: 'PAGE_ID' }, timestamp: SENT_AT_S * 1000 };
    const messenger = parseMessenger(
      messengerBody([
        [
          { ...person, message: { mid: 'f1', attachments: [{ type: 'image', payload: { url: 'u' } }] } },
          { ...person, message: { mid: 'f2', attachments: [{ type: 'audio', payload: { url: 'u' } }] } },
          // Messenger's thumbs-up and other stickers are images with a sticker_id.
          {
            ...person,
            message: { mid: 'f3', sticker_id: 369239263222822, attachments: [{ type: 'image' }] },
          },
          { ...person, message: { mid: 'f4', attachments: [{ type: 'fallback' }] } },
        ],
      ]),
    );
    expect(notes(messenger)).toEqual(['note:empty', 'note:empty', 'attachment', 'attachment']);
  });
});
