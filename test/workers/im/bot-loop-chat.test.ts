import { describe, expect, it, vi } from 'vitest';
import { LOOP_PAUSE_MS, LOOP_ROUNDS } from '../../../workers/im/bot-loop.ts';
import { MESSAGES } from '../../../workers/im/commands.ts';
import type { Platform } from '../../../workers/im/types.ts';
import {
  asked,
  drive,
  type FakeWorld,
  fakeWorld,
  outcomes,
  RecordingCounters,
  sends,
  testBot,
  textEvent,
} from './core-driver.ts';

/** The text of every message sent (WhatsApp `text.body`, Telegram `text`), indicators left out. */
const said = (world: FakeWorld) =>
  sends(world)
    .map((s) => s.body.text as { body?: string } | string | undefined)
    .flatMap((t) => (typeof t === 'string' ? [t] : t?.body ? [t.body] : []));

/**
 * Another business's bot on the other end: each of our replies is answered `gap` ms after it went
 * out, `rounds` times. Per-chat limits as deployed (20 a minute, bursts of 5), which such a loop stays under.
 */
async function talkWithBot(platform: Platform, chat: string, rounds: number, gap = 3_500) {
  const world = fakeWorld();
  const counters = new RecordingCounters();
  const bot = testBot(platform, 'loop');
  const chatKey = `${platform}:loop:${chat}`;
  const config = { ratePerMinute: 20, rateBurst: 5 };
  for (let i = 0; i < rounds; i++) {
    const text = `Thanks for reaching out! Reply ${i}: our team will get back to you shortly.`;
    await drive(chatKey, bot, [textEvent(`${chat}-${i}`, chat, text)], world, { counters, config });
    world.now += gap;
  }
  return { world, counters, bot, chatKey, config };
}

describe('a WhatsApp chat with another business’s auto-reply bot', () => {
  it(`is paused after ${LOOP_ROUNDS} automated rounds under the flood limit, with one notice and one log line, and spends nothing more`, async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { world, counters } = await talkWithBot('whatsapp', '15550001', 12);
    // The first message answers nothing of ours; each later one closes a round.
    expect(asked(world)).toHaveLength(LOOP_ROUNDS);
    const texts = said(world);
    expect(texts).toHaveLength(LOOP_ROUNDS + 1);
    expect(texts).not.toContain(MESSAGES.rateLimited);
    expect(texts.at(-1)).toBe(MESSAGES.botLoop);
    expect(outcomes(counters).filter((o) => o === 'bot_loop')).toHaveLength(12 - LOOP_ROUNDS);
    const lines = warn.mock.calls.filter((c) => String(c[0]).includes('bot loop'));
    expect(lines).toHaveLength(1);
    warn.mockRestore();
  });

  it('answers again after the pause, or at once after /reset', async () => {
    const { world, bot, chatKey, counters, config } = await talkWithBot(
      'whatsapp',
      '15550002',
      LOOP_ROUNDS + 1,
    );
    const before = asked(world).length;
    await drive(chatKey, bot, [textEvent('reset', '15550002', '/reset')], world, { counters, config });
    expect(said(world).at(-1)).toBe(MESSAGES.reset);
    world.now += 30_000;
    await drive(chatKey, bot, [textEvent('after-reset', '15550002', 'sorry, that was me')], world, {
      counters,
      config,
    });
    expect(asked(world)).toHaveLength(before + 1);

    const later = await talkWithBot('whatsapp', '15550003', LOOP_ROUNDS + 1);
    later.world.now += LOOP_PAUSE_MS;
    const count = asked(later.world).length;
    await drive(later.chatKey, later.bot, [textEvent('later', '15550003', 'hello again')], later.world, {
      config: later.config,
    });
    expect(asked(later.world)).toHaveLength(count + 1);
  });

  it('is watched on WhatsApp only: other platforms deliver no other bot’s messages', async () => {
    const { world } = await talkWithBot('line', 'U00000000000000000000000000000001', 8);
    expect(asked(world)).toHaveLength(8);
  });

  it('a person answering at a person’s pace is never paused', async () => {
    const { world } = await talkWithBot('whatsapp', '15550004', 12, 20_000);
    expect(asked(world)).toHaveLength(12);
    expect(said(world)).not.toContain(MESSAGES.botLoop);
  });
});
