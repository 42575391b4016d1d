import { beforeAll, describe, expect, it, vi } from 'vitest';
import { MESSAGES } from '../../../workers/im/commands.ts';
import { postWebhook } from './bots.ts';
import {
  completion,
  lastUser,
  mockModel,
  mockSendApi,
  seedTelegramBot,
  telegramBotNames,
} from './harness.ts';
import { telegramText } from './payloads.ts';

const { modelHost: MODEL_HOST, api: API } = telegramBotNames('toolarge');

beforeAll(() => seedTelegramBot('toolarge'));

const tg = (update: number, chat: number, text: string) =>
  postWebhook('telegram', 'toolarge', JSON.stringify(telegramText(update, chat, text)));
/** The engine's proxy refuses the request body as too large (the gateway answers 413 body_too_large). */
const tooLarge = () => new Response('request entity too large', { status: 413 });

describe('Conversation: a prompt refused for its size in bytes rather than tokens', () => {
  it('answers from the message alone, forgets the history and says so, instead of failing every later message', async () => {
    const calls = mockModel(MODEL_HOST, (call) =>
      call.messages.length > 1 ? tooLarge() : completion(`re: ${lastUser(call)}`),
    );
    const sent = mockSendApi(API);
    await tg(1, 9201, 'first');
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    await tg(2, 9201, 'second');
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]!.body.text).toBe(`${MESSAGES.historyDropped}\n\nre: second`);
    await tg(3, 9201, 'third');
    await vi.waitFor(() => expect(sent).toHaveLength(3));
    expect(sent[2]!.body.text).toBe(`${MESSAGES.historyDropped}\n\nre: third`);
    expect(calls.map((c) => c.messages.length)).toEqual([1, 3, 1, 3, 1]);
  });

  it('asks for a shorter message at once when the message alone is refused', async () => {
    const calls = mockModel(MODEL_HOST, () => tooLarge());
    const sent = mockSendApi(API);
    await tg(10, 9202, 'a very long paste');
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.body.text).toBe(MESSAGES.tooLong);
    expect(calls).toHaveLength(1);
  });
});
