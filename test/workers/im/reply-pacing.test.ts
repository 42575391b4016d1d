import { describe, expect, it } from 'vitest';
import { partGapMs } from '../../../durable-objects/conversation/pacing.ts';
import { drive, fakeWorld, type LogEntry, ok, type Sent, testBot, textEvent } from './core-driver.ts';
import { isIndicatorCall } from './harness.ts';

const replies = (log: LogEntry[]) =>
  log.filter((e): e is LogEntry & Sent => e.kind === 'send' && !isIndicatorCall(e));
const START = 1_000_000;
/** Three sentences that a 40-character limit splits into three parts. */
const LONG = 'The first sentence is short. The second one is a little longer. And a third!';

describe('Pacing the parts of one reply', () => {
  it('per platform: Telegram 1/s in a private chat, 3 s in a group (20/min); the others not', () => {
    expect(partGapMs('telegram', '42')).toBe(1000);
    expect(partGapMs('telegram', '-100123')).toBe(3000);
    expect(partGapMs('telegram', '-42')).toBe(3000);
    expect(partGapMs('whatsapp', '111')).toBe(0);
    expect(partGapMs('line', 'U1')).toBe(0);
    expect(partGapMs('messenger', 'PSID')).toBe(0);
  });

  it('Telegram: later parts wait a second each, scheduled by alarm, not by blocking the object', async () => {
    const world = fakeWorld({ answer: () => ({ ok: true, content: LONG }) });
    const small = testBot('telegram', 'pace', { maxMessageChars: 40, typingIndicator: false });
    const paced = await drive('telegram:pace:1', small, [textEvent('1', '1', 'long please')], world);
    const parts = replies(world.log);
    expect(parts.map((p) => p.body.text)).toEqual([
      'The first sentence is short.',
      'The second one is a little longer.',
      'And a third!',
    ]);
    expect(parts.map((p) => p.at - START)).toEqual([0, 1000, 2000]);
    // Each pass sends one part and asks for an alarm a second later.
    expect(paced.passes.slice(0, 2)).toEqual([START + 1000, START + 2000]);
    expect(paced.passes).toHaveLength(3);
    expect(world.log.filter((e) => e.kind === 'complete')).toHaveLength(1);
  });

  it('Telegram groups wait three seconds between parts', async () => {
    const world = fakeWorld({ answer: () => ({ ok: true, content: LONG }) });
    const bot = testBot('telegram', 'pace', { maxMessageChars: 40, typingIndicator: false });
    await drive('telegram:pace:-100', bot, [textEvent('1', '-100', 'long please')], world);
    expect(replies(world.log).map((p) => p.at - START)).toEqual([0, 3000, 6000]);
  });

  it('a part that fails is retried without extra waiting and later parts are still paced', async () => {
    let failures = 1;
    const world = fakeWorld({
      answer: () => ({ ok: true, content: LONG }),
      respond: (request) =>
        JSON.parse(request.body).text === 'The second one is a little longer.' && failures-- > 0
          ? { status: 429, body: '{"ok":false,"parameters":{"retry_after":2}}', headers: new Headers() }
          : ok(),
    });
    const bot = testBot('telegram', 'pace', { maxMessageChars: 40, typingIndicator: false });
    const result = await drive('telegram:pace:2', bot, [textEvent('1', '2', 'long please')], world);
    expect(result.backlog).toBe(0);
    const parts = replies(world.log);
    expect(parts.map((p) => p.body.text)).toEqual([
      'The first sentence is short.',
      'The second one is a little longer.',
      'The second one is a little longer.',
      'And a third!',
    ]);
    // retry_after (2 s) sets the retry; the third part then keeps a second's distance from the second.
    expect(parts.map((p) => p.at - START)).toEqual([0, 1000, 3000, 4000]);
  });

  it("counts a send's failed tries per part: failures spread over a long reply do not add up to an apology", async () => {
    // Each part fails twice before it goes out: six failures in all, with three tries allowed.
    const failed = new Map<string, number>();
    const world = fakeWorld({
      answer: () => ({ ok: true, content: LONG }),
      respond: (request) => {
        const text = String(JSON.parse(request.body).text);
        const times = failed.get(text) ?? 0;
        if (times >= 2) return ok();
        failed.set(text, times + 1);
        return { status: 502, body: '{"ok":false}', headers: new Headers() };
      },
    });
    const bot = testBot('telegram', 'pace', { maxMessageChars: 40, typingIndicator: false });
    const result = await drive('telegram:pace:4', bot, [textEvent('1', '4', 'long please')], world, {
      config: { maxAttempts: 3 },
      maxPasses: 40,
    });
    expect(result.backlog).toBe(0);
    // Every part tried three times, and no apology.
    expect(replies(world.log).map((p) => p.body.text)).toEqual([
      ...Array(3).fill('The first sentence is short.'),
      ...Array(3).fill('The second one is a little longer.'),
      ...Array(3).fill('And a third!'),
    ]);
  });

  it('the next message waits for nothing extra: only parts of one reply are paced', async () => {
    const world = fakeWorld();
    const bot = testBot('telegram', 'pace', { typingIndicator: false });
    await drive('telegram:pace:3', bot, [textEvent('1', '3', 'a'), textEvent('2', '3', 'b')], world);
    expect(replies(world.log).map((p) => [p.body.text, p.at - START])).toEqual([
      ['answer to a', 0],
      ['answer to b', 0],
    ]);
  });

  it('Messenger and WhatsApp send all parts in one pass', async () => {
    for (const platform of ['messenger', 'whatsapp'] as const) {
      const world = fakeWorld({ answer: () => ({ ok: true, content: LONG }) });
      const bot = testBot(platform, 'pace', { maxMessageChars: 40, typingIndicator: false });
      const result = await drive(
        `${platform}:pace:1`,
        bot,
        [textEvent('m1', '1', 'long please', { channelId: 'P', messageId: 'm1' })],
        world,
      );
      expect(replies(world.log).map((p) => p.at - START)).toEqual([0, 0, 0]);
      expect(result.passes).toHaveLength(1);
    }
  });
});
