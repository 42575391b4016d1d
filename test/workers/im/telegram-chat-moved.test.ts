import { describe, expect, it } from 'vitest';
import { parseTelegram } from '../../../workers/im/parse/telegram.ts';
import { drive, fakeWorld, type LogEntry, ok, type Sent, testBot } from './core-driver.ts';
import { telegramText } from './payloads.ts';

const MOVED = JSON.stringify({
  ok: false,
  error_code: 400,
  description: 'Bad Request: group chat was upgraded to a supergroup chat',
  parameters: { migrate_to_chat_id: -1001234567890 },
});

const sendsOf = (log: LogEntry[]) =>
  log.filter((e): e is LogEntry & Sent => e.kind === 'send' && e.url.endsWith('/sendMessage'));

describe('a Telegram group upgraded to a supergroup while a reply is queued', () => {
  it('sends the reply (every part) to the new chat id instead of giving it up', async () => {
    const world = fakeWorld({
      answer: () => ({ ok: true, content: 'First part. Second part.' }),
      respond: (request) => {
        const chat = (JSON.parse(request.body) as { chat_id: unknown }).chat_id;
        return chat === -4242
          ? { status: 400, body: MOVED, headers: new Headers({ 'content-type': 'application/json' }) }
          : ok();
      },
    });
    const bot = testBot('telegram', 'moved', { maxMessageChars: 12, typingIndicator: false });
    const [event] = parseTelegram(telegramText(31, -4242, 'q'));
    await drive('telegram:moved:-4242', bot, [event!], world);
    expect(sendsOf(world.log).map((s) => [s.body.chat_id, s.body.text])).toEqual([
      [-4242, 'First part.'],
      [-1001234567890, 'First part.'],
      [-1001234567890, 'Second part.'],
    ]);
  });

  it('gives up (no loop) when the new chat says it moved again', async () => {
    const world = fakeWorld({
      respond: () => ({ status: 400, body: MOVED, headers: new Headers() }),
    });
    const bot = testBot('telegram', 'moved-loop', { typingIndicator: false });
    const [event] = parseTelegram(telegramText(32, -4243, 'q'));
    await drive('telegram:moved-loop:-4243', bot, [event!], world, { maxPasses: 20 });
    // The apology gets one move too; nothing beyond that.
    expect(sendsOf(world.log).length).toBeLessThanOrEqual(4);
  });
});
