import { beforeAll, describe, expect, it, vi } from 'vitest';
import { MESSAGES } from '../../../workers/im/commands.ts';
import { indicatorRequest } from '../../../workers/im/send/indicator.ts';
import { postWebhook } from './bots.ts';
import {
  drive,
  fakePorts,
  fakeWorld,
  type LogEntry,
  ok,
  RecordingCounters,
  type Sent,
  testBot,
  textEvent,
} from './core-driver.ts';
import {
  completion,
  isIndicatorCall,
  mockModel,
  mockSendApi,
  seedTelegramBot,
  telegramBotNames,
} from './harness.ts';
import { telegramText } from './payloads.ts';

const isIndicator = (s: Sent) => isIndicatorCall(s);
const sends = (log: LogEntry[]) => log.filter((e): e is LogEntry & Sent => e.kind === 'send');
const indicators = (log: LogEntry[]) => sends(log).filter(isIndicator);
const replies = (log: LogEntry[]) => sends(log).filter((s) => !isIndicator(s));
const kinds = (log: LogEntry[]) =>
  log.map((e) => (e.kind === 'complete' ? 'model' : isIndicator(e) ? 'indicator' : 'reply'));

describe('Typing indicator: what each platform is sent', () => {
  const base = { apiBase: 'http://api.test', token: 'tok' };

  it('Telegram: sendChatAction typing, in the forum topic when there is one', () => {
    const plain = indicatorRequest('telegram', { ...base, target: { eventId: '1', chatId: '42' } });
    expect(plain?.url).toBe('http://api.test/bottok/sendChatAction');
    expect(JSON.parse(plain!.body)).toEqual({ chat_id: 42, action: 'typing' });
    const topic = indicatorRequest('telegram', {
      ...base,
      target: { eventId: '1', chatId: '-100123', threadId: '77' },
    });
    expect(JSON.parse(topic!.body)).toEqual({ chat_id: -100123, action: 'typing', message_thread_id: 77 });
  });

  it('WhatsApp: the read receipt of the incoming message with a text typing indicator', () => {
    const request = indicatorRequest('whatsapp', {
      ...base,
      target: { eventId: 'wamid.1', chatId: '111', messageId: 'wamid.1', channelId: 'PNID' },
    });
    expect(request?.url).toBe('http://api.test/PNID/messages');
    expect(request?.headers.authorization).toBe('Bearer tok');
    expect(JSON.parse(request!.body)).toEqual({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.1',
      typing_indicator: { type: 'text' },
    });
    // Without the incoming message id there is nothing to attach the indicator to.
    expect(
      indicatorRequest('whatsapp', { ...base, target: { eventId: 'e', chatId: '111', channelId: 'PNID' } }),
    ).toBeUndefined();
  });

  it('LINE: the loading animation, in one-on-one chats only', () => {
    const request = indicatorRequest('line', {
      ...base,
      target: { eventId: 'e', chatId: 'U4af4980629abcdef0123456789abcdef' },
    });
    expect(request?.url).toBe('http://api.test/v2/bot/chat/loading/start');
    expect(request?.headers.authorization).toBe('Bearer tok');
    const body = JSON.parse(request!.body) as { chatId: string; loadingSeconds: number };
    expect(body.chatId).toBe('U4af4980629abcdef0123456789abcdef');
    expect(body.loadingSeconds % 5).toBe(0);
    expect(body.loadingSeconds).toBeGreaterThanOrEqual(5);
    expect(body.loadingSeconds).toBeLessThanOrEqual(60);
    expect(indicatorRequest('line', { ...base, target: { eventId: 'e', chatId: 'C0123' } })).toBeUndefined();
    expect(indicatorRequest('line', { ...base, target: { eventId: 'e', chatId: 'R0123' } })).toBeUndefined();
  });

  it('Messenger: sender_action typing_on to the Send API', () => {
    const request = indicatorRequest('messenger', {
      ...base,
      target: { eventId: 'm', chatId: 'PSID', channelId: 'PAGE' },
    });
    expect(request?.url).toBe('http://api.test/PAGE/messages?access_token=tok');
    expect(JSON.parse(request!.body)).toEqual({ recipient: { id: 'PSID' }, sender_action: 'typing_on' });
  });

  it('never waits long: the call carries a short timeout of its own', () => {
    const request = indicatorRequest('telegram', { ...base, target: { eventId: '1', chatId: '42' } });
    expect(request?.timeoutMs).toBeGreaterThan(0);
    expect(request?.timeoutMs).toBeLessThanOrEqual(5000);
  });
});

describe('Typing indicator: when the Conversation shows it', () => {
  const bot = testBot('telegram', 'typing');

  it('is sent before the model call for a text message, then the reply', async () => {
    const world = fakeWorld();
    const result = await drive('telegram:typing:1', bot, [textEvent('1', '1', 'hello')], world);
    expect(result.backlog).toBe(0);
    expect(kinds(world.log)).toEqual(['indicator', 'model', 'reply']);
    expect(indicators(world.log)[0]!.body).toEqual({ chat_id: 1, action: 'typing' });
  });

  it('goes into the forum topic the message came from', async () => {
    const world = fakeWorld();
    await drive('telegram:typing:-1002', bot, [textEvent('1', '-1002', 'hi', { threadId: '9' })], world);
    expect(indicators(world.log)[0]!.body).toEqual({
      chat_id: -1002,
      action: 'typing',
      message_thread_id: 9,
    });
  });

  it('is not sent for commands', async () => {
    const world = fakeWorld();
    await drive(
      'telegram:typing:3',
      bot,
      [textEvent('1', '3', '/help'), textEvent('2', '3', '/reset')],
      world,
    );
    expect(kinds(world.log)).toEqual(['reply', 'reply']);
  });

  it('is not sent for a message over the per-chat rate limit (notice or drop)', async () => {
    const world = fakeWorld();
    const events = ['a', 'b', 'c'].map((t, i) => textEvent(String(i), '4', t));
    await drive('telegram:typing:4', bot, events, world, { config: { ratePerMinute: 1, rateBurst: 1 } });
    // a is answered; b gets the one notice; c is dropped.
    expect(kinds(world.log)).toEqual(['indicator', 'model', 'reply', 'reply']);
    expect(replies(world.log)[1]!.body.text).toBe(MESSAGES.rateLimited);
  });

  it('is off when the bot says so', async () => {
    const world = fakeWorld();
    await drive(
      'telegram:typing-off:5',
      testBot('telegram', 'typing-off', { typingIndicator: false }),
      [textEvent('1', '5', 'hello')],
      world,
    );
    expect(kinds(world.log)).toEqual(['model', 'reply']);
  });

  it('a failing indicator (500) is ignored and counted: the reply goes out once', {
    timeout: 15_000,
  }, async () => {
    const world = fakeWorld({
      respond: (request) =>
        request.url.endsWith('/sendChatAction')
          ? { status: 500, body: 'down', headers: new Headers() }
          : ok(),
    });
    const counters = new RecordingCounters();
    const result = await drive('telegram:typing:6', bot, [textEvent('1', '6', 'hello')], world, { counters });
    expect(result.backlog).toBe(0);
    expect(replies(world.log).map((s) => s.body.text)).toEqual(['answer to hello']);
    await vi.waitFor(() => expect(counters.count('im_indicator_failures_total')).toBe(1), {
      timeout: 10_000,
    });
    expect(counters.count('im_reply_failures_total')).toBe(0);
    expect(counters.added.find((a) => a.metric === 'im_replies_total')?.labels.outcome).toBe('answered');
  });

  it('a hanging indicator holds the reply no longer than the indicator wait', async () => {
    const world = fakeWorld({
      respond: (request) => (request.url.endsWith('/sendChatAction') ? new Promise(() => {}) : ok()),
    });
    const result = await drive('telegram:typing:7', bot, [textEvent('1', '7', 'hello')], world, {
      config: { indicatorWaitMs: 20 },
    });
    expect(result.backlog).toBe(0);
    expect(replies(world.log).map((s) => s.body.text)).toEqual(['answer to hello']);
  });

  it('a fast answer waits for its indicator still in flight, so "typing" never lands after the answer', async () => {
    let answerIndicator: (() => void) | undefined;
    let indicatorAnswered = false;
    let sentBeforeIndicator = false;
    const world = fakeWorld({
      respond: (request) => {
        if (request.url.endsWith('/sendChatAction'))
          return new Promise((resolve) => {
            answerIndicator = () => {
              indicatorAnswered = true;
              resolve(ok());
            };
          });
        if (!indicatorAnswered) sentBeforeIndicator = true;
        return ok();
      },
    });
    const ports = fakePorts(world);
    const answeredFirst = {
      ...ports,
      // The platform answers the indicator only after the model has answered, in a later task: a reply
      // that did not wait for it would be sent before then.
      complete: async (call: Parameters<typeof ports.complete>[0]) => {
        const answer = await ports.complete(call);
        setTimeout(() => answerIndicator?.(), 20);
        return answer;
      },
    };
    const result = await drive('telegram:typing:10', bot, [textEvent('1', '10', 'hello')], world, {
      ports: answeredFirst,
      // However late the indicator's answer comes on a slow machine, the reply waits for it.
      config: { indicatorWaitMs: 60_000 },
    });
    expect(result.backlog).toBe(0);
    expect(replies(world.log).map((s) => s.body.text)).toEqual(['answer to hello']);
    expect(indicatorAnswered).toBe(true);
    expect(sentBeforeIndicator).toBe(false);
  });

  it('Telegram: sent again while a slow model works, and never after the answer', async () => {
    const world = fakeWorld();
    const ports = fakePorts(world);
    const slow = {
      ...ports,
      // Answers once the indicator has been sent three times (bounded, so a missing refresh fails below
      // instead of hanging): several refresh periods, however slow the machine is.
      complete: async (call: Parameters<typeof ports.complete>[0]) => {
        for (let i = 0; i < 400 && indicators(world.log).length < 3; i++)
          await new Promise((resolve) => setTimeout(resolve, 5));
        return ports.complete(call);
      },
    };
    const result = await drive('telegram:typing:11', bot, [textEvent('1', '11', 'hello')], world, {
      ports: slow,
      config: { indicatorRefreshMs: 30 },
    });
    expect(result.backlog).toBe(0);
    const order = kinds(world.log);
    expect(order.filter((k) => k === 'indicator').length).toBeGreaterThan(2);
    // The model answered, then only the reply: no indicator after the answer.
    expect(order.slice(order.indexOf('model'))).toEqual(['model', 'reply']);
  });

  it('other platforms show it once (their indicators last 20–25 s)', async () => {
    const world = fakeWorld();
    const ports = fakePorts(world);
    const slow = {
      ...ports,
      complete: async (call: Parameters<typeof ports.complete>[0]) => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return ports.complete(call);
      },
    };
    await drive(
      'messenger:typing:12',
      testBot('messenger', 'typing'),
      [textEvent('1', '12', 'hello')],
      world,
      {
        ports: slow,
        config: { indicatorRefreshMs: 10 },
      },
    );
    expect(kinds(world.log)).toEqual(['indicator', 'model', 'reply']);
  });

  it('a retried message shows no second indicator', async () => {
    let failures = 2;
    const world = fakeWorld({
      answer: (text) =>
        failures-- > 0
          ? { ok: false, retryable: true, status: 503, code: 'upstream_unavailable' }
          : { ok: true, content: `answer to ${text}` },
    });
    const result = await drive('telegram:typing:8', bot, [textEvent('1', '8', 'hello')], world);
    expect(result.backlog).toBe(0);
    expect(kinds(world.log)).toEqual(['indicator', 'model', 'model', 'model', 'reply']);
  });

  it('a message whose reply send is retried shows no second indicator either', async () => {
    let failures = 1;
    const world = fakeWorld({
      respond: (request) =>
        !request.url.endsWith('/sendChatAction') && failures-- > 0
          ? { status: 502, body: 'bad gateway', headers: new Headers() }
          : ok(),
    });
    await drive('telegram:typing:9', bot, [textEvent('1', '9', 'hello')], world);
    expect(kinds(world.log)).toEqual(['indicator', 'model', 'reply', 'reply']);
  });
});

describe('Typing indicator through the webhook', () => {
  const { modelHost, api } = telegramBotNames('typing');
  beforeAll(() => seedTelegramBot('typing'));

  it('Telegram gets sendChatAction before the answer; a failing indicator changes nothing', {
    timeout: 15_000,
  }, async () => {
    mockModel(modelHost, () => completion('Typed.'));
    const sent = mockSendApi(api, undefined, () => new Response('down', { status: 500 }));
    expect(
      (await postWebhook('telegram', 'typing', JSON.stringify(telegramText(1, 6001, 'hi')))).status,
    ).toBe(200);
    await vi.waitFor(() => expect(sent).toHaveLength(1), { timeout: 10_000 });
    expect(sent[0]!.body.text).toBe('Typed.');
    expect(sent.indicators).toHaveLength(1);
    expect(sent.indicators[0]!.url).toBe(`http://${api}/botim-test-access-token/sendChatAction`);
    expect(sent.indicators[0]!.body).toEqual({ chat_id: 6001, action: 'typing' });
  });
});
