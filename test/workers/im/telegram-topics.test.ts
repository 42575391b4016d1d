import { beforeAll, describe, expect, it, vi } from 'vitest';
import { parseTelegram } from '../../../workers/im/parse/telegram.ts';
import { postWebhook, seedBot } from './bots.ts';
import { completion, mockModel, mockSendApi, seedModelBackend } from './harness.ts';
import { telegramText } from './payloads.ts';

/** A text message in topic `thread` of a forum supergroup. */
function topicUpdate(updateId: number, chatId: number, thread: number, text: string) {
  const update = telegramText(updateId, chatId, text);
  return {
    ...update,
    message: {
      ...update.message,
      chat: { id: chatId, title: 'Forum', type: 'supergroup', is_forum: true },
      message_thread_id: thread,
      is_topic_message: true,
    },
  };
}

beforeAll(async () => {
  await seedModelBackend('key_im_topic', 'im-topic.test', 'im-topic-model');
  await seedBot({
    platform: 'telegram',
    id: 'topic',
    keyId: 'key_im_topic',
    model: 'im-topic-model',
    apiBase: 'http://tg-topic.test',
    settings: { maxMessageChars: 12 },
  });
});

describe('Telegram forum topics', () => {
  it('reads the topic only from topic messages', () => {
    expect(parseTelegram(topicUpdate(1, -100, 77, 'hi'))[0]).toMatchObject({ kind: 'text', threadId: '77' });
    // A reply chain in an ordinary group also has message_thread_id, but it is no topic.
    const reply = telegramText(2, -100, 'hi');
    const plain = { ...reply, message: { ...reply.message, message_thread_id: 5 } };
    expect(parseTelegram(plain)[0]).not.toHaveProperty('threadId');
  });

  it('sends every part of a reply into the topic the question came from', async () => {
    mockModel('im-topic.test', () => completion('First part. Second part.'));
    const sent = mockSendApi('tg-topic.test');
    const res = await postWebhook('telegram', 'topic', JSON.stringify(topicUpdate(10, -100123, 77, 'q')));
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    expect(sent.map((s) => [s.body.text, s.body.message_thread_id])).toEqual([
      ['First part.', 77],
      ['Second part.', 77],
    ]);
  });
});
