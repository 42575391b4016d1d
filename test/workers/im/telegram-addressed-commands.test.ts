import { beforeAll, describe, expect, it, vi } from 'vitest';
import { postWebhook } from './bots.ts';
import { backlog, completion, counter, lastUser, mockModel, mockSendApi, seedBots } from './harness.ts';

const MODEL_HOST = 'im-addressed-model.test';
const API = 'tg-addressed.test';

beforeAll(async () => {
  await seedBots({ keyId: 'key_im_addressed', modelHost: MODEL_HOST, model: 'im-addressed' }, [
    // Every message of the group is answered: commands are what is under test here.
    { platform: 'telegram', id: 'addressed', apiBase: `http://${API}`, settings: { groupReplies: 'all' } },
  ]);
  await seedBots({ keyId: 'key_im_addressed_b', modelHost: 'im-addressed-b.test', model: 'im-addressed-b' });
});

/** A message in a Telegram group with privacy mode off: the bot sees everything said there. */
function groupText(updateId: number, chatId: number, text: string, type = 'supergroup') {
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      from: { id: 4242, is_bot: false, first_name: 'Grace' },
      chat:
        type === 'private' ? { id: chatId, first_name: 'Grace', type } : { id: chatId, title: 'Team', type },
      date: Math.floor(Date.now() / 1000),
      text,
    },
  };
}

const post = (update: number, chat: number, text: string, type?: string) =>
  postWebhook('telegram', 'addressed', JSON.stringify(groupText(update, chat, text, type)));
const identity = () => Response.json({ ok: true, result: { id: 1, is_bot: true, username: 'Eco_Bot' } });

describe('Telegram commands addressed to another bot', () => {
  it('/reset@other_bot and /model@someone_else x leave our chat alone and get no reply', async () => {
    const calls = mockModel(MODEL_HOST, (call) => completion(`re:${lastUser(call)}`));
    const callsB = mockModel('im-addressed-b.test', (call) => completion(`b:${lastUser(call)}`));
    const sent = mockSendApi(API, undefined, undefined, identity);
    expect((await post(1, -100501, 'remember me')).status).toBe(200);
    expect((await post(2, -100501, '/reset@other_bot')).status).toBe(200);
    expect((await post(3, -100501, '/model@someone_else im-addressed-b')).status).toBe(200);
    expect((await post(4, -100501, '/help@another_bot')).status).toBe(200);
    expect((await post(5, -100501, 'who am I?')).status).toBe(200);
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    await vi.waitFor(async () => expect(await backlog('telegram:addressed:-100501')).toBe(0));
    expect(sent.map((s) => s.body.text)).toEqual(['re:remember me', 're:who am I?']);
    // History kept (no reset) and the model unchanged (no switch).
    expect(calls).toHaveLength(2);
    expect(callsB).toHaveLength(0);
    expect(calls[1]!.messages.map((m) => m.content)).toEqual(['remember me', 're:remember me', 'who am I?']);
    expect(
      await counter('im_replies_total', 'bot="addressed",outcome="not_addressed",platform="telegram"'),
    ).toBeGreaterThanOrEqual(3);
  });

  it('runs commands with our own name (any case) or with no name at all', async () => {
    const calls = mockModel(MODEL_HOST, (call) => completion(`re:${lastUser(call)}`));
    const callsB = mockModel('im-addressed-b.test', (call) => completion(`b:${lastUser(call)}`));
    const sent = mockSendApi(API, undefined, undefined, identity);
    await post(10, -100502, 'remember me');
    await post(11, -100502, '/reset@eco_bot');
    await post(12, -100502, '/model@ECO_BOT im-addressed-b');
    await post(13, -100502, '/help');
    await post(14, -100502, 'who am I?');
    await vi.waitFor(() => expect(sent).toHaveLength(5));
    expect(sent[1]!.body.text).toMatch(/cleared/);
    expect(sent[2]!.body.text).toBe('Model set to im-addressed-b.');
    expect(sent[3]!.body.text).toMatch(/\/model/);
    expect(calls).toHaveLength(1);
    expect(callsB).toHaveLength(1);
    expect(callsB[0]!.messages).toEqual([{ role: 'user', content: 'who am I?' }]);
    // The name is learnt once for the chat, not once per command.
    expect(sent.identity).toHaveLength(1);
  });

  it('retries while the bot cannot learn its own name, then runs the command once', async () => {
    mockModel(MODEL_HOST, (call) => completion(`re:${lastUser(call)}`));
    let failures = 2;
    const sent = mockSendApi(API, undefined, undefined, () =>
      failures-- > 0 ? Response.json({ ok: false, error_code: 502 }, { status: 502 }) : identity(),
    );
    await post(20, -100503, '/reset@eco_bot');
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    await vi.waitFor(async () => expect(await backlog('telegram:addressed:-100503')).toBe(0));
    expect(sent[0]!.body.text).toMatch(/cleared/);
    expect(sent.identity).toHaveLength(3);
  });

  it('a command with no name never asks Telegram who the bot is', async () => {
    const sent = mockSendApi(API, undefined, undefined, identity);
    await post(30, -100504, '/help');
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent.identity).toHaveLength(0);
  });

  it('in a private chat, where no other bot listens, any name still reaches us', async () => {
    const sent = mockSendApi(API, undefined, undefined, identity);
    await post(35, 4244, '/help@eco_bto', 'private');
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.body.text).toMatch(/\/reset clears/);
    expect(sent.identity).toHaveLength(0);
  });

  it('in a group, a command we do not know is left to the bot it was meant for', async () => {
    const sent = mockSendApi(API, undefined, undefined, identity);
    await post(40, -100505, '/weather Paris');
    await post(41, -100505, '/weather@eco_bot Paris');
    await post(42, 4243, '/weather Paris', 'private');
    await post(43, -100506, '/weather Paris', 'group');
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    await vi.waitFor(async () => expect(await backlog('telegram:addressed:-100505')).toBe(0));
    await vi.waitFor(async () => expect(await backlog('telegram:addressed:-100506')).toBe(0));
    // Two chats: their replies may go out in either order.
    const replies = sent
      .map((s) => [s.body.chat_id, s.body.text])
      .sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(replies).toEqual([
      [-100505, 'Unknown command /weather. Send /help for the list.'],
      [4243, 'Unknown command /weather. Send /help for the list.'],
    ]);
  });
});
