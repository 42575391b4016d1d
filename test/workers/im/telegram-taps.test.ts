import { beforeAll, describe, expect, it, vi } from 'vitest';
import { MESSAGES } from '../../../workers/im/commands.ts';
import { edgeTapAnswers } from '../../../workers/im/edge-taps.ts';
import { plainGroupChatter } from '../../../workers/im/group-filter.ts';
import { parseTelegram } from '../../../workers/im/parse/telegram.ts';
import { postWebhook } from './bots.ts';
import { drive, fakeWorld, type LogEntry, testBot } from './core-driver.ts';
import {
  backlog,
  completion,
  counter,
  lastUser,
  mockModel,
  mockSendApi,
  seedTelegramBot,
  telegramBotNames,
} from './harness.ts';
import { SENT_AT_S } from './payloads.ts';

const BOT_ID = 777;

/** A tap on a button of the keyboard under one of the bot's messages in `chat`. */
function tap(updateId: number, chat: { id: number; type: string }, extra: Record<string, unknown> = {}) {
  return {
    update_id: updateId,
    callback_query: {
      id: `cbq-${updateId}`,
      from: { id: 5001, is_bot: false, first_name: 'Ada' },
      message: {
        message_id: 40,
        from: { id: BOT_ID, is_bot: true, first_name: 'Eco', username: 'eco_bot' },
        chat,
        // When the keyboard was sent, maybe long before the tap.
        date: SENT_AT_S - 30 * 86_400,
        text: 'Pick one',
        reply_markup: { inline_keyboard: [[{ text: 'Opening hours', callback_data: 'opening hours' }]] },
      },
      chat_instance: '-9001',
      data: 'opening hours',
      ...extra,
    },
  };
}

const privateChat = { id: 4101, type: 'private' };
const group = { id: -4102, type: 'supergroup' };

describe('Telegram button taps are read like typed text', () => {
  it('a tap in a direct chat is its data, from the person who tapped, with its query id', () => {
    const [event] = parseTelegram(tap(1, privateChat));
    expect(event).toMatchObject({
      kind: 'text',
      eventId: '1',
      chatId: '4101',
      userId: '5001',
      text: 'opening hours',
      callbackQueryId: 'cbq-1',
      signals: { tap: true },
    });
    expect(event?.group).toBeUndefined();
    // The keyboard's own date is not the tap's: a month-old keyboard must not read as a stale replay.
    expect(event?.timestampMs).toBe(0);
  });

  it('in a group, a tap addresses the bot: it is not chatter, even where only mentions are answered', () => {
    const [event] = parseTelegram(tap(2, group));
    expect(event).toMatchObject({ kind: 'text', group: true, signals: { tap: true } });
    expect(plainGroupChatter(event!, testBot('telegram', 'taps'))).toBe(false);
  });

  it('in a forum topic, the reply goes to the topic', () => {
    const [event] = parseTelegram(
      tap(
        3,
        { id: -4103, type: 'supergroup' },
        {
          message: {
            message_id: 41,
            message_thread_id: 12,
            is_topic_message: true,
            from: { id: BOT_ID, is_bot: true, first_name: 'Eco' },
            chat: { id: -4103, type: 'supergroup', is_forum: true },
            date: SENT_AT_S,
          },
        },
      ),
    );
    expect(event).toMatchObject({ kind: 'text', threadId: '12', text: 'opening hours' });
  });

  it('a tap on an inline-mode message, a game button, empty or non-string data, or no query id is not answered', () => {
    const { message: _none, ...inline } = tap(4, privateChat).callback_query;
    const cases = [
      { update_id: 4, callback_query: { ...inline, inline_message_id: 'AAQ' } },
      tap(5, privateChat, { data: undefined, game_short_name: 'tetris' }),
      tap(6, privateChat, { data: '   ' }),
      tap(7, privateChat, { data: 42 }),
      tap(8, privateChat, { id: undefined }),
      { update_id: 9, callback_query: 'nonsense' },
    ];
    for (const update of cases) {
      const events = parseTelegram(update);
      expect(events).toHaveLength(1);
      expect(events[0]?.kind).toBe('ignored');
    }
  });

  it('a Conversation answers a group tap without asking Telegram who the bot is', async () => {
    const world = fakeWorld();
    const [event] = parseTelegram(tap(10, group));
    const result = await drive('telegram:taps:-4102', testBot('telegram', 'taps'), [event!], world);
    expect(result.backlog).toBe(0);
    const asked = world.log.filter(
      (e): e is Extract<LogEntry, { kind: 'complete' }> => e.kind === 'complete',
    );
    expect(asked.map((e) => e.text)).toEqual(['opening hours']);
    const urls = world.log.flatMap((e) => (e.kind === 'send' ? [new URL(e.url).pathname] : []));
    expect(urls.some((u) => u.endsWith('/getMe'))).toBe(false);
    expect(urls.filter((u) => u.endsWith('/sendMessage'))).toHaveLength(1);
  });
});

describe('Telegram button taps through the webhook', () => {
  const { id, modelHost, api } = telegramBotNames('taps');
  beforeAll(() => seedTelegramBot('taps'));

  it('is answered, and its query answered once so the spinner stops, even when redelivered', async () => {
    const calls = mockModel(modelHost, (call) => completion(`re: ${lastUser(call)}`));
    const sent = mockSendApi(api);
    const body = JSON.stringify(tap(20, privateChat));
    const first = await postWebhook('telegram', id, body);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ queued: 1 });
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.body.text).toBe('re: opening hours');
    expect(sent[0]!.body.chat_id).toBe(4101);
    await vi.waitFor(() => expect(sent.acks).toHaveLength(1));
    expect(sent.acks[0]!.url).toBe(`http://${api}/botim-test-access-token/answerCallbackQuery`);
    expect(sent.acks[0]!.body).toEqual({ callback_query_id: 'cbq-20' });
    // Telegram redelivers the same update: no second answer, no second model call, no second ack.
    const again = await postWebhook('telegram', id, body);
    expect(await again.json()).toMatchObject({ queued: 0 });
    expect(await backlog('telegram:taps:4101')).toBe(0);
    expect(calls).toHaveLength(1);
    expect(sent).toHaveLength(1);
    expect(sent.acks).toHaveLength(1);
  });

  it('a group tap is answered where only mentions are (groupReplies default)', async () => {
    mockModel(modelHost, (call) => completion(`group: ${lastUser(call)}`));
    const sent = mockSendApi(api);
    await postWebhook('telegram', id, JSON.stringify(tap(21, group)));
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.body).toMatchObject({ chat_id: -4102, text: 'group: opening hours' });
    await vi.waitFor(() => expect(sent.acks).toHaveLength(1));
  });

  it('a refused acknowledgement is counted and changes nothing: the reply still goes out', async () => {
    mockModel(modelHost, () => completion('still answered'));
    const before = await counter('im_indicator_failures_total', 'bot="taps",platform="telegram"');
    const sent = mockSendApi(api, undefined, undefined, undefined, () =>
      Response.json({ ok: false, error_code: 400, description: 'query is too old' }, { status: 400 }),
    );
    await postWebhook('telegram', id, JSON.stringify(tap(22, { id: 4104, type: 'private' })));
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.body.text).toBe('still answered');
    expect(sent.acks).toHaveLength(1);
    await vi.waitFor(async () =>
      expect(await counter('im_indicator_failures_total', 'bot="taps",platform="telegram"')).toBe(before + 1),
    );
  });
});

/** A tap on a button of a message the bot sent in inline mode: no `message`, only its inline id. */
function inlineTap(updateId: number, extra: Record<string, unknown> = {}) {
  const { message: _none, ...query } = tap(updateId, privateChat).callback_query;
  return {
    update_id: updateId,
    callback_query: { ...query, inline_message_id: `AAQ-${updateId}`, ...extra },
  };
}

describe('Telegram taps no conversation answers, through the webhook', () => {
  const { id, modelHost, api } = telegramBotNames('edge-taps');
  beforeAll(() => seedTelegramBot('edge-taps'));

  it('parses inline-mode and game taps as acknowledged only, keeping the query id to answer', () => {
    expect(parseTelegram(inlineTap(60))[0]).toMatchObject({
      kind: 'ignored',
      reason: 'callback_query:inline',
      callbackQueryId: 'cbq-60',
    });
    expect(
      parseTelegram(tap(61, privateChat, { data: undefined, game_short_name: 'tetris' }))[0],
    ).toMatchObject({
      kind: 'ignored',
      reason: 'callback_query:game',
      callbackQueryId: 'cbq-61',
    });
    const game = { data: undefined, game_short_name: 'tetris' };
    expect(parseTelegram(inlineTap(62, game))[0]).toMatchObject({ reason: 'callback_query:game' });
  });

  it('an inline-mode tap, a game tap and an empty tap each get their query answered once, with no model call', async () => {
    const calls = mockModel(modelHost, () => completion('never'));
    const sent = mockSendApi(api);
    const updates = [
      inlineTap(63),
      tap(64, privateChat, { data: undefined, game_short_name: 'tetris' }),
      inlineTap(65, { data: undefined, game_short_name: 'tetris' }),
      tap(66, privateChat, { data: '  ' }),
    ];
    for (const update of updates) {
      const res = await postWebhook('telegram', id, JSON.stringify(update));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ queued: 0, ignored: 1 });
    }
    await vi.waitFor(() => expect(sent.acks).toHaveLength(4));
    const acks = Object.fromEntries(sent.acks.map((a) => [a.body.callback_query_id, a.body.text]));
    expect(acks).toEqual({
      'cbq-63': MESSAGES.tapInline,
      'cbq-64': MESSAGES.tapGame,
      'cbq-65': MESSAGES.tapGame,
      'cbq-66': undefined,
    });
    expect(sent.acks[0]!.url).toBe(`http://${api}/botim-test-access-token/answerCallbackQuery`);
    expect(calls).toHaveLength(0);
    expect(sent).toHaveLength(0);
    expect(await backlog(`telegram:${id}:4101`)).toBe(0);
  });

  it('a refused answer is counted, and the webhook is still acknowledged', async () => {
    const before = await counter('im_indicator_failures_total', `bot="${id}",platform="telegram"`);
    const sent = mockSendApi(api, undefined, undefined, undefined, () =>
      Response.json({ ok: false, error_code: 400, description: 'query is too old' }, { status: 400 }),
    );
    expect((await postWebhook('telegram', id, JSON.stringify(inlineTap(67)))).status).toBe(200);
    await vi.waitFor(() => expect(sent.acks).toHaveLength(1));
    await vi.waitFor(async () =>
      expect(await counter('im_indicator_failures_total', `bot="${id}",platform="telegram"`)).toBe(
        before + 1,
      ),
    );
  });

  it('inline queries and chosen inline results are acknowledged with 200 and cause no call at all', async () => {
    const calls = mockModel(modelHost, () => completion('never'));
    const sent = mockSendApi(api);
    const from = { id: 5001, is_bot: false, first_name: 'Ada' };
    const updates = [
      { update_id: 70, inline_query: { id: 'iq-70', from, query: 'weather', offset: '' } },
      { update_id: 71, chosen_inline_result: { result_id: 'r1', from, query: 'weather' } },
    ];
    for (const update of updates) {
      const res = await postWebhook('telegram', id, JSON.stringify(update));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, queued: 0, duplicates: 0, ignored: 1, malformed: 0 });
      const events = parseTelegram(update);
      expect(events).toMatchObject([{ kind: 'ignored', reason: Object.keys(update)[1] }]);
      // Nothing to acknowledge: an inline query is not a tap, and goes to no Conversation.
      expect(edgeTapAnswers(events, `http://${api}`, 'token')).toEqual([]);
    }
    expect(calls).toHaveLength(0);
    expect(sent).toHaveLength(0);
    expect(sent.acks).toHaveLength(0);
    expect(sent.indicators).toHaveLength(0);
  });
});
