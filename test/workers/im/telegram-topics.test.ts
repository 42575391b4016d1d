import { describe, expect, it } from 'vitest';
import { parseTelegram } from '../../../workers/im/parse/telegram.ts';
import { drive, fakeWorld, type LogEntry, type Sent, testBot } from './core-driver.ts';
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

describe('Telegram forum topics', () => {
  it('reads the topic only from topic messages', () => {
    expect(parseTelegram(topicUpdate(1, -100, 77, 'hi'))[0]).toMatchObject({ kind: 'text', threadId: '77' });
    // A reply chain in an ordinary group also has message_thread_id, but it is no topic.
    const reply = telegramText(2, -100, 'hi');
    const plain = { ...reply, message: { ...reply.message, message_thread_id: 5 } };
    expect(parseTelegram(plain)[0]).not.toHaveProperty('threadId');
  });

  it('sends every part of a reply into the topic the question came from, 3 s apart (group rate)', async () => {
    const world = fakeWorld({ answer: () => ({ ok: true, content: 'First part. Second part.' }) });
    const bot = testBot('telegram', 'topic', { maxMessageChars: 12, groupReplies: 'all' });
    const [event] = parseTelegram(topicUpdate(10, -100123, 77, 'q'));
    await drive('telegram:topic:-100123', bot, [event!], world);
    const sends = world.log.filter((e): e is LogEntry & Sent => e.kind === 'send');
    expect(sends.map((s) => [s.url.split('/').at(-1), s.body.text, s.body.message_thread_id, s.at])).toEqual([
      ['sendChatAction', undefined, 77, 1_000_000],
      ['sendMessage', 'First part.', 77, 1_000_000],
      ['sendMessage', 'Second part.', 77, 1_003_000],
    ]);
  });
});
