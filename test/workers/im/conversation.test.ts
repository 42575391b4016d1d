import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { invalidateRegistry } from '../../../workers/data/registry.ts';
import { postWebhook } from './bots.ts';
import { backlog, completion, lastUser, mockModel, mockSendApi, seedBots } from './harness.ts';
import { telegramText, whatsappBatch } from './payloads.ts';

const KEY_ID = 'key_im_conv';
const MODEL_HOST = 'im-model.test';

beforeAll(async () => {
  await seedBots({ keyId: KEY_ID, modelHost: MODEL_HOST, model: 'im-model' }, [
    { platform: 'telegram', id: 'conv', apiBase: 'http://tg.test' },
    { platform: 'whatsapp', id: 'conv', apiBase: 'http://wa.test/v23.0' },
    {
      platform: 'telegram',
      id: 'short',
      apiBase: 'http://tg-short.test',
      settings: { maxMessageChars: 40, systemPrompt: 'Be brief.' },
    },
  ]);
  await seedBots({ keyId: 'key_im_conv_b', modelHost: 'im-model-b.test', model: 'im-model-b' });
  // A model with a small context: 400 tokens, of which the bot's answers take 100.
  await seedBots({ keyId: 'key_im_small', modelHost: 'im-small.test', model: 'im-small' }, [
    { platform: 'telegram', id: 'small', apiBase: 'http://tg-small.test', settings: { maxTokens: 100 } },
  ]);
  await env.DB.prepare("UPDATE models SET context_length = 400 WHERE id = 'im-small'").run();
  invalidateRegistry();
});

const tg = (update: number, chat: number, text: string) =>
  postWebhook('telegram', 'conv', JSON.stringify(telegramText(update, chat, text)));

describe('Conversation: replies', () => {
  it('answers a text message once, quoting it, through the gateway pipeline as the bot key', async () => {
    const calls = mockModel(MODEL_HOST, () => completion('Hello Ada.'));
    const sent = mockSendApi('tg.test');
    const res = await tg(100, 7001, 'Hi there');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ queued: 1, duplicates: 0 });
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.url).toBe('http://tg.test/botim-test-access-token/sendMessage');
    expect(sent[0]!.body).toEqual({
      chat_id: 7001,
      text: 'Hello Ada.',
      reply_parameters: { message_id: 100, allow_sending_without_reply: true },
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.messages).toEqual([{ role: 'user', content: 'Hi there' }]);
  });

  it('answers a redelivered update exactly once (same update_id three times)', async () => {
    const calls = mockModel(MODEL_HOST, () => completion('Only once.'));
    const sent = mockSendApi('tg.test');
    const raw = JSON.stringify(telegramText(200, 7002, 'Are you there?'));
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await (await postWebhook('telegram', 'conv', raw)).json());
    expect(results.map((r) => (r as { duplicates: number }).duplicates)).toEqual([0, 1, 1]);
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    // Later redeliveries, after the reply went out, are still recognised.
    expect(await (await postWebhook('telegram', 'conv', raw)).json()).toMatchObject({
      queued: 0,
      duplicates: 1,
    });
    await vi.waitFor(async () => expect(await backlog('telegram:conv:7002')).toBe(0));
    expect(sent).toHaveLength(1);
    expect(calls).toHaveLength(1);
  });

  it('keeps history and answers in arrival order even when the first answer is slow', async () => {
    let releaseFirst!: () => void;
    const firstGate = new Promise<void>((r) => {
      releaseFirst = r;
    });
    const calls = mockModel(MODEL_HOST, async (call) => {
      if (lastUser(call) === 'one') await firstGate;
      return completion(`re:${lastUser(call)}`);
    });
    const sent = mockSendApi('tg.test');
    for (const [i, text] of ['one', 'two', 'three'].entries()) {
      expect((await tg(300 + i, 7003, text)).status).toBe(200);
    }
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    releaseFirst();
    await vi.waitFor(() => expect(sent).toHaveLength(3));
    expect(sent.map((s) => s.body.text)).toEqual(['re:one', 're:two', 're:three']);
    // Each call carries the turns before it.
    expect(calls[2]!.messages.map((m) => m.content)).toEqual(['one', 're:one', 'two', 're:two', 'three']);
  });

  it("trims history to what the model's context leaves for the prompt, not only the configured budget", async () => {
    const calls = mockModel('im-small.test', () => completion('ok'));
    const sent = mockSendApi('tg-small.test');
    // About 100 estimated tokens each: three do not fit the 300 the context leaves, two do.
    const long = (n: number) => `${n} ${'w'.repeat(400)}`;
    for (const n of [1, 2, 3]) {
      const res = await postWebhook(
        'telegram',
        'small',
        JSON.stringify(telegramText(900 + n, 7100, long(n))),
      );
      expect(res.status).toBe(200);
      await vi.waitFor(() => expect(sent).toHaveLength(n));
    }
    expect(calls.map((c) => c.messages.length)).toEqual([1, 3, 3]);
    expect(calls[2]!.messages.map((m) => m.content)).toEqual([long(2), 'ok', long(3)]);
    expect(calls[2]!.max_tokens).toBe(100);
  });

  it('answers every message of a WhatsApp batch, per chat, in order', async () => {
    const calls = mockModel(MODEL_HOST, (call) => completion(`wa:${lastUser(call)}`));
    const sent = mockSendApi('wa.test');
    const body = whatsappBatch(
      [
        { id: 'wamid.1', from: '111', text: 'a1' },
        { id: 'wamid.2', from: '222', text: 'b1' },
        { id: 'wamid.3', from: '111', text: 'a2' },
      ],
      [{ id: 'wamid.0', status: 'delivered', recipient: '111' }],
    );
    const res = await postWebhook('whatsapp', 'conv', JSON.stringify(body));
    expect(await res.json()).toMatchObject({ queued: 3, ignored: 1 });
    await vi.waitFor(() => expect(sent).toHaveLength(3));
    expect(calls).toHaveLength(3);
    const toA = sent.filter((s) => s.body.to === '111').map((s) => (s.body.text as { body: string }).body);
    expect(toA).toEqual(['wa:a1', 'wa:a2']);
    const first = sent.find((s) => (s.body.text as { body: string }).body === 'wa:a1')!;
    expect(first.url).toBe('http://wa.test/v23.0/106540352242922/messages');
    expect(first.headers.get('authorization')).toBe('Bearer im-test-access-token');
    expect(first.body).toMatchObject({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      type: 'text',
      context: { message_id: 'wamid.1' },
    });
  });

  it('splits a long answer at the bot limit on sentence boundaries, quoting only in the first part', async () => {
    const answer = 'The first sentence is short. The second one is a little longer. And a third!';
    const calls = mockModel(MODEL_HOST, () => completion(answer));
    const sent = mockSendApi('tg-short.test');
    await postWebhook('telegram', 'short', JSON.stringify(telegramText(400, 7004, 'long please')));
    // Parts go out a second apart (Telegram's per-chat rate), each resumed by the object's alarm.
    await vi.waitFor(() => expect(sent).toHaveLength(3), { timeout: 5000 });
    const texts = sent.map((s) => s.body.text as string);
    expect(texts).toEqual([
      'The first sentence is short.',
      'The second one is a little longer.',
      'And a third!',
    ]);
    expect(sent[0]!.body.reply_parameters).toBeDefined();
    expect(sent[1]!.body.reply_parameters).toBeUndefined();
    expect(calls[0]!.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
  });
});

describe('Conversation: commands', () => {
  it('/reset clears the history; /help answers without the model', async () => {
    const calls = mockModel(MODEL_HOST, (call) => completion(`re:${lastUser(call)}`));
    const sent = mockSendApi('tg.test');
    await tg(500, 7005, 'remember me');
    await tg(501, 7005, '/reset');
    await tg(502, 7005, 'who am I?');
    await tg(503, 7005, '/help');
    await vi.waitFor(() => expect(sent).toHaveLength(4));
    expect(calls).toHaveLength(2);
    expect(calls[1]!.messages).toEqual([{ role: 'user', content: 'who am I?' }]);
    expect(sent[1]!.body.text).toMatch(/cleared/);
    expect(sent[3]!.body.text).toMatch(/\/model/);
  });

  it('/model lists, refuses unknown ids, and switches among the key’s allowed models', async () => {
    const calls = mockModel(MODEL_HOST, () => completion('from a'));
    const callsB = mockModel('im-model-b.test', () => completion('from b'));
    const sent = mockSendApi('tg.test');
    await tg(600, 7006, '/model');
    await tg(601, 7006, '/model no-such-model');
    await tg(602, 7006, '/model@eco_bot im-model-b');
    await tg(603, 7006, 'hello');
    await vi.waitFor(() => expect(sent).toHaveLength(4));
    expect(sent[0]!.body.text).toMatch(/Current model: im-model\./);
    expect(sent[0]!.body.text).toMatch(/im-model-b/);
    expect(sent[1]!.body.text).toMatch(/not available/);
    expect(sent[2]!.body.text).toBe('Model set to im-model-b.');
    expect(sent[3]!.body.text).toBe('from b');
    expect(calls).toHaveLength(0);
    expect(callsB).toHaveLength(1);
  });

  it('per-chat rate limit: the burst is answered, then one notice, then silence (counted)', async () => {
    const calls = mockModel(MODEL_HOST, (call) => completion(`re:${lastUser(call)}`));
    const sent = mockSendApi('tg.test');
    for (let i = 0; i < 8; i++) await tg(700 + i, 7007, `m${i}`);
    await vi.waitFor(async () => expect(await backlog('telegram:conv:7007')).toBe(0));
    // Burst 5 (default), refilled at 20/min: five answers, one notice, the rest dropped.
    expect(calls.map(lastUser)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(sent).toHaveLength(6);
    expect(sent[5]!.body.text).toMatch(/faster than I can answer/);
  });
});
