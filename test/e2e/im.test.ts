import { createHmac } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ImFake, startImFake } from './helpers/im-fake.ts';
import { clearFaults, type RunningStack, setFault, startStack } from './helpers/stack.ts';

// The dev seed's bots (`dev` on each platform) and their fixed local secrets (scripts/lib/seeds/im-bots.mjs).
const SECRET = (platform: string) => `dev-${platform}-webhook-secret`;
const MAX_CHARS = 60;

let fake: ImFake;
let stack: RunningStack;
let client: OpenAI;

beforeAll(async () => {
  fake = await startImFake();
  stack = await startStack({
    env: { ECO_IM_FAKE_URL: fake.url, ECO_IM_DEV_MAX_MESSAGE_CHARS: String(MAX_CHARS) },
    vars: { ECO_IM_RETRY_BASE_MS: '100', ECO_IM_RETRY_MAX_MS: '400', ECO_IM_CHAT_BURST: '20' },
  });
  client = new OpenAI({ baseURL: `${stack.gateway}/v1`, apiKey: stack.apiKey, maxRetries: 0 });
}, 180_000);

afterAll(async () => {
  await stack?.stop({ removeState: true });
  await fake?.close();
});

async function post(platform: string, body: unknown, signed = true) {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signed && platform === 'telegram') headers['x-telegram-bot-api-secret-token'] = SECRET(platform);
  if (signed && platform === 'line') {
    headers['x-line-signature'] = createHmac('sha256', SECRET(platform)).update(raw).digest('base64');
  }
  if (signed && (platform === 'whatsapp' || platform === 'messenger')) {
    headers['x-hub-signature-256'] =
      `sha256=${createHmac('sha256', SECRET(platform)).update(raw).digest('hex')}`;
  }
  return fetch(`${stack.gateway}/webhooks/${platform}/dev`, { method: 'POST', headers, body: raw });
}

const telegram = (updateId: number, chatId: number, text: string) => ({
  update_id: updateId,
  message: {
    message_id: updateId,
    from: { id: chatId, is_bot: false },
    chat: { id: chatId, type: 'private' },
    date: Math.floor(Date.now() / 1000),
    text,
  },
});

/** The messages sent to a Telegram chat (its typing indicators aside). */
const telegramCalls = (chatId: number) =>
  fake.calls.filter(
    (c) => c.platform === 'telegram' && c.body.chat_id === chatId && c.path.endsWith('/sendMessage'),
  );
const squash = (text: string) => text.replace(/\s+/g, '');

/** What the emulated model answers to a fresh chat's first message (deterministic). */
async function expectedAnswer(text: string): Promise<string> {
  const completion = await client.chat.completions.create({
    model: 'dev-vllm',
    messages: [{ role: 'user', content: text }],
  });
  return completion.choices[0]?.message.content ?? '';
}

describe('IM webhooks end to end (local platform fake + emulator)', () => {
  it('answers a Telegram message exactly once although the webhook is delivered four times, split at the limit', async () => {
    const update = telegram(1001, 501, 'Tell me about edge gateways');
    for (let i = 0; i < 4; i++) expect((await post('telegram', update)).status).toBe(200);
    // A later message in the same chat is answered after the first: once it is in, any duplicate would be too.
    expect((await post('telegram', telegram(1002, 501, 'And then?'))).status).toBe(200);
    await vi.waitFor(
      () =>
        expect(
          telegramCalls(501).some(
            (c) =>
              c.body.reply_parameters !== undefined &&
              (c.body.reply_parameters as { message_id: number }).message_id === 1002,
          ),
        ).toBe(true),
      {
        timeout: 30_000,
        interval: 100,
      },
    );
    await vi.waitFor(async () => {
      const calls = telegramCalls(501);
      const quoted = calls.map(
        (c) => (c.body.reply_parameters as { message_id?: number } | undefined)?.message_id,
      );
      expect(quoted.filter((q) => q !== undefined)).toEqual([1001, 1002]);
    });
    const calls = telegramCalls(501);
    const secondStart = calls.findIndex(
      (c) => (c.body.reply_parameters as { message_id?: number } | undefined)?.message_id === 1002,
    );
    const first = calls.slice(0, secondStart).map((c) => c.body.text as string);
    expect(first.length).toBeGreaterThan(1);
    for (const part of first) expect(part.length).toBeLessThanOrEqual(MAX_CHARS);
    expect(squash(first.join(''))).toBe(squash(await expectedAnswer('Tell me about edge gateways')));
    expect(calls[0]!.path).toBe('/telegram/botdev-telegram-access-token/sendMessage');
    // The chat saw "typing…" while the model worked, before the first part arrived.
    const chat = fake.calls.filter((c) => c.platform === 'telegram' && c.body.chat_id === 501);
    expect(chat[0]!.path).toBe('/telegram/botdev-telegram-access-token/sendChatAction');
    expect(chat[0]!.body.action).toBe('typing');
  });

  it('answers several messages of one chat in arrival order', async () => {
    for (let i = 0; i < 4; i++)
      expect((await post('telegram', telegram(2000 + i, 502, `question ${i}`))).status).toBe(200);
    await vi.waitFor(
      () => {
        const quoted = telegramCalls(502)
          .map((c) => (c.body.reply_parameters as { message_id?: number } | undefined)?.message_id)
          .filter((q) => q !== undefined);
        expect(quoted).toEqual([2000, 2001, 2002, 2003]);
      },
      { timeout: 30_000, interval: 100 },
    );
  });

  it('in a Telegram group, runs only the commands addressed to this bot', async () => {
    const group = (updateId: number, text: string) => ({
      update_id: updateId,
      message: {
        message_id: updateId,
        from: { id: 77, is_bot: false },
        chat: { id: -100503, type: 'supergroup', title: 'Team' },
        date: Math.floor(Date.now() / 1000),
        text,
      },
    });
    expect((await post('telegram', group(2100, '/help@other_bot'))).status).toBe(200);
    expect((await post('telegram', group(2101, '/weather Paris'))).status).toBe(200);
    expect((await post('telegram', group(2102, '/help@Eco_Dev_Bot'))).status).toBe(200);
    // The help comes in several parts at this stack's 60-character limit, paced in the group.
    await vi.waitFor(() => expect(telegramCalls(-100503).at(-1)?.body.text).toMatch(/Current model/), {
      timeout: 30_000,
      interval: 100,
    });
    const replies = telegramCalls(-100503);
    expect(replies.map((c) => c.body.text).join(' ')).toMatch(/\/reset clears/);
    expect((replies[0]!.body.reply_parameters as { message_id?: number }).message_id).toBe(2102);
    expect(fake.calls.filter((c) => c.path.endsWith('/getMe'))).toHaveLength(1);
  });

  it('in a Telegram group, answers only a message that mentions the bot, never the chatter around it', async () => {
    const group = (updateId: number, text: string, entities?: unknown[]) => ({
      update_id: updateId,
      message: {
        message_id: updateId,
        from: { id: 78, is_bot: false },
        chat: { id: -100504, type: 'supergroup', title: 'Busy' },
        date: Math.floor(Date.now() / 1000),
        text,
        ...(entities ? { entities } : {}),
      },
    });
    const mention = [{ type: 'mention', offset: 0, length: 12 }];
    expect((await post('telegram', group(2200, 'lunch at noon?'))).status).toBe(200);
    expect((await post('telegram', group(2201, '@eco_dev_bot hello', mention))).status).toBe(200);
    expect((await post('telegram', group(2202, 'see you there'))).status).toBe(200);
    // A chat answers in arrival order: once 2203 is answered, 2202 has been decided too.
    expect((await post('telegram', group(2203, '@eco_dev_bot thanks', mention))).status).toBe(200);
    const quoted = () =>
      telegramCalls(-100504)
        .map((c) => (c.body.reply_parameters as { message_id?: number } | undefined)?.message_id)
        .filter((id) => id !== undefined);
    await vi.waitFor(() => expect(quoted()).toContain(2203), { timeout: 30_000, interval: 100 });
    expect(quoted()).toEqual([2201, 2203]);
  });

  it('in a Telegram group, answers a photo whose caption mentions the bot, saying the photo was not seen', async () => {
    const photo = (updateId: number, caption: string, captionEntities?: unknown[]) => ({
      update_id: updateId,
      message: {
        message_id: updateId,
        from: { id: 79, is_bot: false },
        chat: { id: -100505, type: 'supergroup', title: 'Photos' },
        date: Math.floor(Date.now() / 1000),
        photo: [{ file_id: 'p1', width: 90, height: 90 }],
        caption,
        ...(captionEntities ? { caption_entities: captionEntities } : {}),
      },
    });
    const mention = [{ type: 'mention', offset: 0, length: 12 }];
    expect(await (await post('telegram', photo(2300, 'our lunch'))).json()).toMatchObject({ queued: 0 });
    const res = await post('telegram', photo(2301, '@eco_dev_bot what is this?', mention));
    expect(await res.json()).toMatchObject({ queued: 1 });
    const answer = await expectedAnswer(
      '[The user attached a photo here, which you cannot see; only the text below came with it.]\nwhat is this?',
    );
    const note = '(I can only read text, so I have not seen the photo: this answers the words sent with it.)';
    await vi.waitFor(
      () =>
        expect(
          squash(
            telegramCalls(-100505)
              .map((c) => String(c.body.text))
              .join(''),
          ),
        ).toBe(squash(`${note}${answer}`)),
      { timeout: 30_000, interval: 100 },
    );
    expect((telegramCalls(-100505)[0]!.body.reply_parameters as { message_id: number }).message_id).toBe(
      2301,
    );
  });

  it('answers every message of a WhatsApp batch and ignores its status receipts', async () => {
    const message = (id: string, from: string, body: string) => ({
      from,
      id,
      timestamp: String(Math.floor(Date.now() / 1000)),
      type: 'text',
      text: { body },
    });
    const batch = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550000000', phone_number_id: 'PNID' },
                messages: [
                  message('wamid.E1', '4911', 'hallo'),
                  message('wamid.E2', '4922', 'hej'),
                  message('wamid.E3', '4911', 'noch was'),
                ],
                statuses: [{ id: 'wamid.OLD', status: 'read', timestamp: '1', recipient_id: '4911' }],
              },
            },
          ],
        },
      ],
    };
    const res = await post('whatsapp', batch);
    expect(await res.json()).toMatchObject({ queued: 3, ignored: 1 });
    await vi.waitFor(
      () => {
        const quoted = fake.calls
          .filter((c) => c.platform === 'whatsapp')
          .map((c) => (c.body.context as { message_id?: string } | undefined)?.message_id)
          .filter(Boolean);
        expect(new Set(quoted)).toEqual(new Set(['wamid.E1', 'wamid.E2', 'wamid.E3']));
      },
      { timeout: 30_000, interval: 100 },
    );
    const wa = fake.calls.filter((c) => c.platform === 'whatsapp');
    expect(wa[0]!.path).toBe('/whatsapp/v23.0/PNID/messages');
    expect(wa[0]!.headers.authorization).toBe('Bearer dev-whatsapp-access-token');
    const to4911 = wa
      .filter((c) => c.body.to === '4911')
      .map((c) => (c.body.context as { message_id?: string } | undefined)?.message_id)
      .filter(Boolean);
    expect(to4911).toEqual(['wamid.E1', 'wamid.E3']);
  });

  it('tells a WhatsApp user who sends a photo that only text is read', async () => {
    const photo = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550000000', phone_number_id: 'PNID' },
                messages: [
                  {
                    from: '4944',
                    id: 'wamid.P1',
                    timestamp: String(Math.floor(Date.now() / 1000)),
                    type: 'image',
                    image: { id: 'media-1', mime_type: 'image/jpeg' },
                  },
                ],
              },
            },
          ],
        },
      ],
    };
    const res = await post('whatsapp', photo);
    expect(await res.json()).toMatchObject({ queued: 1, ignored: 0 });
    await vi.waitFor(
      () => {
        const notes = fake.calls.filter(
          (c) => c.platform === 'whatsapp' && c.body.to === '4944' && c.body.text,
        );
        // In parts at this stack's 60-character limit.
        expect(notes.map((c) => (c.body.text as { body: string }).body).join(' ')).toBe(
          'Sorry, I can only read text messages. Please type your question.',
        );
      },
      { timeout: 30_000, interval: 100 },
    );
  });

  it('answers LINE with the reply API and Messenger with the Send API', async () => {
    const line = {
      destination: 'Ubot',
      events: [
        {
          type: 'message',
          mode: 'active',
          timestamp: Date.now(),
          source: { type: 'user', userId: 'Ue2e' },
          webhookEventId: '01E2ELINE',
          deliveryContext: { isRedelivery: false },
          replyToken: 'e2e-reply-token',
          message: { id: '1', type: 'text', text: 'konnichiwa' },
        },
      ],
    };
    const messenger = {
      object: 'page',
      entry: [
        {
          id: 'PAGE',
          time: Date.now(),
          messaging: [
            {
              sender: { id: 'PSIDE2E' },
              recipient: { id: 'PAGE' },
              timestamp: Date.now(),
              message: { mid: 'm.e2e', text: 'hello page' },
            },
          ],
        },
      ],
    };
    expect((await post('line', line)).status).toBe(200);
    expect((await post('messenger', messenger)).status).toBe(200);
    await vi.waitFor(
      () => {
        expect(
          fake.calls.some(
            (c) => c.path === '/line/v2/bot/message/reply' && c.body.replyToken === 'e2e-reply-token',
          ),
        ).toBe(true);
        expect(
          // The message itself, not only the typing indicator that goes out before it.
          fake.calls.some(
            (c) =>
              c.platform === 'messenger' &&
              (c.body.recipient as { id: string }).id === 'PSIDE2E' &&
              c.body.message !== undefined,
          ),
        ).toBe(true);
      },
      { timeout: 30_000, interval: 100 },
    );
    const fb = fake.calls.find((c) => c.platform === 'messenger' && c.body.message !== undefined)!;
    expect(fb.path).toBe('/messenger/v23.0/PAGE/messages?access_token=dev-messenger-access-token');
    expect(fb.body.messaging_type).toBe('RESPONSE');
  });

  it('in a LINE group, answers a quote of one of its own messages', async () => {
    const group = (id: string, text: string, message: Record<string, unknown> = {}) => ({
      destination: 'Ubot',
      events: [
        {
          type: 'message',
          mode: 'active',
          timestamp: Date.now(),
          source: { type: 'group', groupId: 'Ce2equote', userId: 'Ue2equote' },
          webhookEventId: `01E2EQ${id}`,
          deliveryContext: { isRedelivery: false },
          replyToken: `e2e-quote-${id}`,
          message: { id: `9${id}`, type: 'text', quoteToken: 'q', text, ...message },
        },
      ],
    });
    const replyTo = (token: string) =>
      fake.calls.find((c) => c.path === '/line/v2/bot/message/reply' && c.body.replyToken === token);
    const mention = { mention: { mentionees: [{ index: 0, length: 4, type: 'user', isSelf: true }] } };
    expect((await post('line', group('1', '@Eco what is a quote?', mention))).status).toBe(200);
    await vi.waitFor(() => expect(replyTo('e2e-quote-1')?.answered).toBeDefined(), {
      timeout: 30_000,
      interval: 100,
    });
    const own = replyTo('e2e-quote-1')!.answered!.sentMessages[0]!.id;
    expect((await post('line', group('2', 'tell me more', { quotedMessageId: own }))).status).toBe(200);
    await vi.waitFor(() => expect(replyTo('e2e-quote-2')).toBeDefined(), { timeout: 30_000, interval: 100 });
  });

  it('stops pushing to a LINE chat once the monthly message limit is reached, and counts it', async () => {
    fake.failNext('line', 1, 429, '/push', { message: 'You have reached your monthly limit.' });
    const line = {
      destination: 'Ubot',
      events: [
        {
          type: 'message',
          mode: 'active',
          // Too old for its reply token: the answer must be pushed.
          timestamp: Date.now() - 120_000,
          source: { type: 'user', userId: 'Ue2equota' },
          webhookEventId: '01E2EQUOTA',
          deliveryContext: { isRedelivery: false },
          replyToken: 'e2e-quota-token',
          message: { id: '2', type: 'text', text: 'are you there?' },
        },
      ],
    };
    expect((await post('line', line)).status).toBe(200);
    await vi.waitFor(
      async () => {
        const res = await fetch(`${stack.gateway}/metrics`, {
          headers: { authorization: `Bearer ${stack.apiKey}` },
        });
        const metrics = await res.text();
        expect(metrics).toMatch(/im_replies_total\{bot="dev",outcome="quota_exhausted",platform="line"\} 1/);
      },
      { timeout: 30_000, interval: 250 },
    );
    const pushes = fake.calls.filter(
      (c) => c.path === '/line/v2/bot/message/push' && c.body.to === 'Ue2equota',
    );
    expect(pushes).toHaveLength(1);
  });

  it('rejects unsigned and forged webhooks and unknown bots', async () => {
    expect((await post('telegram', telegram(3000, 503, 'x'), false)).status).toBe(401);
    const forged = await fetch(`${stack.gateway}/webhooks/line/dev`, {
      method: 'POST',
      headers: { 'x-line-signature': createHmac('sha256', 'wrong').update('{}').digest('base64') },
      body: '{}',
    });
    expect(forged.status).toBe(401);
    expect(
      (await fetch(`${stack.gateway}/webhooks/telegram/nobody`, { method: 'POST', body: '{}' })).status,
    ).toBe(404);
    const handshake = await fetch(
      `${stack.gateway}/webhooks/whatsapp/dev?hub.mode=subscribe&hub.verify_token=dev-whatsapp-verify-token&hub.challenge=42`,
    );
    expect(await handshake.text()).toBe('42');
  });

  it('retries a platform outage and still delivers once', async () => {
    fake.failNext('telegram', 2, 502, '/sendMessage');
    expect((await post('telegram', telegram(4000, 504, 'flaky platform'))).status).toBe(200);
    await vi.waitFor(
      () => {
        const ok = telegramCalls(504);
        expect(ok.length).toBeGreaterThanOrEqual(3);
        expect((ok.at(-1)!.body.text as string).length).toBeGreaterThan(0);
      },
      { timeout: 30_000, interval: 100 },
    );
    const texts = telegramCalls(504).map((c) => c.body.text as string);
    // The first two attempts of part one failed; every part then went out exactly once.
    expect(texts[0]).toBe(texts[1]);
    expect(texts[1]).toBe(texts[2]);
    expect(new Set(texts.slice(2)).size).toBe(texts.length - 2);
  });

  it('shows the IM counters on /metrics', async () => {
    await vi.waitFor(
      async () => {
        const res = await fetch(`${stack.gateway}/metrics`, {
          headers: { authorization: `Bearer ${stack.apiKey}` },
        });
        const text = await res.text();
        expect(text).toMatch(/im_replies_total\{bot="dev",outcome="answered",platform="telegram"\} \d+/);
        expect(text).toMatch(/im_events_total\{bot="dev",kind="duplicate",platform="telegram"\} 3/);
        expect(text).toMatch(
          /im_webhook_requests_total\{bot="dev",platform="telegram",result="missing_signature"\} 1/,
        );
        expect(text).toMatch(/im_reply_failures_total\{bot="dev",platform="telegram",stage="send"\} 2/);
      },
      { timeout: 10_000, interval: 250 },
    );
  });

  it('answers with an apology when the model stays down', async () => {
    await setFault(stack, { engine: 'vllm', mode: 'status', status: 500 });
    try {
      expect((await post('telegram', telegram(5000, 505, 'is anyone there?'))).status).toBe(200);
      await vi.waitFor(
        // The apology is split at the bot's limit like any answer.
        () =>
          expect(telegramCalls(505).map((c) => c.body.text)).toEqual([
            'Sorry, I could not answer that message right now.',
            'Please try again in a little while.',
          ]),
        {
          timeout: 45_000,
          interval: 200,
        },
      );
    } finally {
      await clearFaults(stack);
    }
  });

  it('answers a tap on a message sent in inline mode at the webhook, with a notice and no model call', async () => {
    const tap = {
      update_id: 3900,
      callback_query: {
        id: 'cbq-inline-e2e',
        from: { id: 601, is_bot: false },
        inline_message_id: 'AAQ-e2e',
        chat_instance: '1',
        data: 'hello',
      },
    };
    const res = await post('telegram', tap);
    expect(await res.json()).toMatchObject({ queued: 0, ignored: 1 });
    const acks = () =>
      fake.calls.filter(
        (c) => c.path.endsWith('/answerCallbackQuery') && c.body.callback_query_id === 'cbq-inline-e2e',
      );
    await vi.waitFor(() => expect(acks()).toHaveLength(1), { timeout: 10_000, interval: 50 });
    expect(acks()[0]!.body.text).toMatch(/Open a chat with me/);
    expect(fake.calls.filter((c) => c.platform === 'telegram' && c.body.chat_id === 601)).toHaveLength(0);
  });

  it('pauses a WhatsApp chat whose other end is a bot answering each reply at once', async () => {
    const chat = '4977';
    const say = (i: number) =>
      post('whatsapp', {
        object: 'whatsapp_business_account',
        entry: [
          {
            id: 'WABA',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550000000', phone_number_id: 'PNID' },
                  messages: [
                    {
                      from: chat,
                      id: `wamid.LOOP${i}`,
                      timestamp: String(Math.floor(Date.now() / 1000)),
                      type: 'text',
                      text: { body: `Automatic reply ${i}: thank you for contacting us, we answer soon.` },
                    },
                  ],
                },
              },
            ],
          },
        ],
      });
    /** The first part of our reply to each of its messages, by the message it quotes. */
    const replies = () =>
      new Map(
        fake.calls
          .filter((c) => c.platform === 'whatsapp' && c.body.to === chat && c.body.type === 'text')
          .flatMap((c) => {
            const quoted = (c.body.context as { message_id?: string } | undefined)?.message_id;
            return quoted ? [[quoted, (c.body.text as { body: string }).body] as const] : [];
          }),
      );
    // The other bot answers each of our replies the moment it arrives.
    for (let i = 0; i <= 5; i++) {
      expect((await say(i)).status).toBe(200);
      await vi.waitFor(() => expect(replies().has(`wamid.LOOP${i}`)).toBe(true), {
        timeout: 30_000,
        interval: 50,
      });
    }
    // Five automated rounds: the sixth message gets the notice instead of a model answer.
    expect(replies().get('wamid.LOOP5')).toMatch(/^It looks like I am talking/);
    expect(replies().get('wamid.LOOP4')).not.toMatch(/^It looks like I am talking/);
    expect((await say(6)).status).toBe(200);
    expect((await say(7)).status).toBe(200);
    await vi.waitFor(
      async () => {
        const res = await fetch(`${stack.gateway}/metrics`, {
          headers: { authorization: `Bearer ${stack.apiKey}` },
        });
        expect(await res.text()).toMatch(
          /im_replies_total\{bot="dev",outcome="bot_loop",platform="whatsapp"\} 3/,
        );
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(replies().has('wamid.LOOP6')).toBe(false);
    expect(replies().has('wamid.LOOP7')).toBe(false);
  });

  it('seeds bots that bill to an inference key of their own, so the admin API can edit them', async () => {
    const admin = { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' };
    const bots = (await (await fetch(`${stack.gateway}/admin/bots`, { headers: admin })).json()) as {
      data: { config: { platform: string; keyId: string } }[];
    };
    const seeded = bots.data.filter((b) => b.config.keyId === 'key_local_dev_bots');
    expect(seeded.map((b) => b.config.platform).sort()).toEqual([
      'line',
      'messenger',
      'telegram',
      'whatsapp',
    ]);
    const renamed = await fetch(`${stack.gateway}/admin/bots/telegram/dev`, {
      method: 'PATCH',
      headers: admin,
      // The seed's short split limit (for the tests above) is below what the API accepts: dropped here.
      body: JSON.stringify({ name: 'local telegram bot', settings: { maxMessageChars: null } }),
    });
    expect(renamed.status, await renamed.clone().text()).toBe(200);
  });
});
