import { describe, expect, it } from 'vitest';
import { parseLine } from '../../../workers/im/parse/line.ts';
import { parseMessenger } from '../../../workers/im/parse/messenger.ts';
import { parseTelegram } from '../../../workers/im/parse/telegram.ts';
import { parseWhatsApp } from '../../../workers/im/parse/whatsapp.ts';
import { drive, fakeWorld, type LogEntry, RecordingCounters, type Sent, testBot } from './core-driver.ts';
import { lineBody, lineEvent, messengerBody, telegramText, whatsappBatch } from './payloads.ts';

const sends = (log: LogEntry[]) => log.filter((e): e is LogEntry & Sent => e.kind === 'send');
const getStarted = (psid: string, timestamp: number, mid?: string) => ({
  sender: { id: psid },
  recipient: { id: 'PAGE_ID' },
  timestamp,
  postback: { title: 'Get Started', payload: 'GET_STARTED', ...(mid ? { mid } : {}) },
});

describe('first contact', () => {
  it('Messenger: the Get Started tap is answered with the welcome, without the model', async () => {
    const world = fakeWorld();
    const counters = new RecordingCounters();
    const events = parseMessenger(messengerBody([[getStarted('PSID1', 1_000_000, 'm_gs1')]]));
    expect(events).toMatchObject([{ kind: 'text', eventId: 'm_gs1', chatId: 'PSID1' }]);
    await drive('messenger:fc:PSID1', testBot('messenger', 'fc'), events, world, { counters });
    expect(world.log.filter((e) => e.kind === 'complete')).toEqual([]);
    const [reply] = sends(world.log).filter((s) => s.body.message !== undefined);
    expect(reply!.body).toMatchObject({ recipient: { id: 'PSID1' } });
    expect(String((reply!.body.message as { text: string }).text)).toMatch(/^Send a message and I answer/);
    expect(counters.added.some((a) => a.labels.outcome === 'welcome')).toBe(true);
  });

  it('LINE: a follow is welcomed through its reply token; a follow in standby mode or from the console is not', async () => {
    const world = fakeWorld();
    const events = parseLine(
      lineBody([
        lineEvent({ id: 'F1', type: 'follow', replyToken: 'rt-follow', timestamp: 1_000_000 }),
        lineEvent({ id: 'F2', type: 'follow', mode: 'standby' }),
        lineEvent({ id: 'F3', type: 'follow', replyToken: '00000000000000000000000000000000' }),
      ]),
    );
    expect(events.map((e) => e.kind)).toEqual(['text', 'ignored', 'ignored']);
    await drive('line:fc:U4af4980629abcdef0123456789abcdef', testBot('line', 'fc'), events, world);
    const [reply] = sends(world.log);
    expect(reply!.url).toMatch(/\/v2\/bot\/message\/reply$/);
    expect(reply!.body).toMatchObject({ replyToken: 'rt-follow' });
    expect(JSON.stringify(reply!.body.messages)).toMatch(/Send a message and I answer/);
  });

  it('WhatsApp: a person opening the chat for the first time (request_welcome) is welcomed, without the model', async () => {
    const world = fakeWorld();
    const counters = new RecordingCounters();
    const body = whatsappBatch([{ id: 'wamid.W1', from: '15550009', type: 'request_welcome' }]);
    const events = parseWhatsApp(body);
    expect(events).toMatchObject([{ kind: 'text', text: '', signals: { greeting: true } }]);
    await drive('whatsapp:fc:15550009', testBot('whatsapp', 'fc'), events, world, { counters });
    expect(world.log.filter((e) => e.kind === 'complete')).toEqual([]);
    const [reply] = sends(world.log).filter((s) => s.body.type === 'text');
    expect(reply!.body).toMatchObject({ to: '15550009' });
    expect(reply!.body.context).toBeUndefined();
    expect(String((reply!.body.text as { body: string }).body)).toMatch(/^Send a message and I answer/);
    expect(counters.added.some((a) => a.labels.outcome === 'welcome')).toBe(true);
  });

  it('Telegram: /start is answered with the same welcome', async () => {
    const world = fakeWorld();
    await drive(
      'telegram:fc:501',
      testBot('telegram', 'fc'),
      parseTelegram(telegramText(1, 501, '/start')),
      world,
    );
    const [reply] = sends(world.log).filter((s) => s.url.endsWith('/sendMessage'));
    expect(String(reply!.body.text)).toMatch(/^Send a message and I answer/);
  });

  it('a user tapping Get Started over and over is throttled like any other flood', async () => {
    const world = fakeWorld();
    const taps = Array.from({ length: 8 }, (_, i) => getStarted('PSID2', 1_000_000 + i));
    const events = parseMessenger(messengerBody([taps]));
    expect(new Set(events.map((e) => e.eventId)).size).toBe(8);
    await drive('messenger:fc:PSID2', testBot('messenger', 'fc'), events, world, {
      config: { ratePerMinute: 1, rateBurst: 2 },
    });
    const texts = sends(world.log)
      .filter((s) => s.body.message !== undefined)
      .map((s) => String((s.body.message as { text: string }).text));
    // Two welcomes, one notice of the flood, then silence.
    expect(texts).toHaveLength(3);
    expect(texts[2]).toMatch(/faster than I can answer/);
  });

  it('a flood of /start (or any command) is throttled too: every answer is a message sent', async () => {
    const world = fakeWorld();
    const events = Array.from(
      { length: 6 },
      (_, i) => parseTelegram(telegramText(10 + i, 502, '/start'))[0]!,
    );
    await drive('telegram:fc:502', testBot('telegram', 'fc'), events, world, {
      config: { ratePerMinute: 1, rateBurst: 2 },
    });
    const texts = sends(world.log)
      .filter((s) => s.url.endsWith('/sendMessage'))
      .map((s) => String(s.body.text));
    expect(texts).toHaveLength(3);
    expect(texts[2]).toMatch(/faster than I can answer/);
  });

  it('the bot added to a group says how to address it there (LINE join, Telegram my_chat_member)', async () => {
    const world = fakeWorld();
    const join = lineEvent({
      id: 'J1',
      type: 'join',
      groupId: 'Cjoin1',
      replyToken: 'rt-join',
      timestamp: 1_000_000,
    });
    await drive('line:fc:Cjoin1', testBot('line', 'fc'), parseLine(lineBody([join])), world);
    const [lineReply] = sends(world.log);
    expect(lineReply!.body).toMatchObject({ replyToken: 'rt-join' });
    expect(JSON.stringify(lineReply!.body.messages)).toMatch(/mention me or reply to one of my messages/);

    const tgWorld = fakeWorld();
    const added = {
      update_id: 90,
      my_chat_member: {
        chat: { id: -100800, title: 'Team', type: 'supergroup' },
        from: { id: 9, is_bot: false },
        date: 1000,
        old_chat_member: { status: 'left', user: { id: 1, is_bot: true } },
        new_chat_member: { status: 'member', user: { id: 1, is_bot: true } },
      },
    };
    const events = parseTelegram(added);
    expect(events).toMatchObject([{ kind: 'text', chatId: '-100800', group: true }]);
    await drive('telegram:fc:-100800', testBot('telegram', 'fc'), events, tgWorld);
    const [tgReply] = sends(tgWorld.log).filter((s) => s.url.endsWith('/sendMessage'));
    expect(String(tgReply!.body.text)).toMatch(/mention me or reply to one of my messages/);

    // Where every message is answered, no such hint.
    const allWorld = fakeWorld();
    const rejoin = lineEvent({ id: 'J2', type: 'join', groupId: 'Cjoin2', timestamp: 1_000_000 });
    await drive(
      'line:fcall:Cjoin2',
      testBot('line', 'fcall', { groupReplies: 'all' }),
      parseLine(lineBody([rejoin])),
      allWorld,
    );
    expect(JSON.stringify(sends(allWorld.log)[0]!.body.messages)).not.toMatch(/mention me/);
  });
});
