import { describe, expect, it } from 'vitest';
import { capReply, replyLimit } from '../../../durable-objects/conversation/reply-cap.ts';
import type { Platform } from '../../../workers/im/types.ts';
import {
  drive,
  type FakeWorld,
  fakeWorld,
  type LogEntry,
  type Sent,
  testBot,
  textEvent,
} from './core-driver.ts';

const sentTexts = (world: FakeWorld) =>
  world.log
    .filter((e): e is LogEntry & Sent => e.kind === 'send' && e.url.endsWith('/sendMessage'))
    .map((s) => s.body.text);

/** Whether a string is well-formed UTF-16 (every surrogate paired), which every platform requires. */
const wellFormed = (s: string) =>
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

describe('the text sent is text every platform accepts', () => {
  it('an answer with a broken surrogate (a lone half of an emoji) is sent with a replacement character', async () => {
    const world = fakeWorld({
      answer: () => ({ ok: true, content: 'half an emoji: \ud83d and \ude00 end' }),
    });
    await drive('telegram:shape:1', testBot('telegram', 'shape'), [textEvent('S1', '1', 'hi')], world);
    // Compared escaped: a lone surrogate cannot even be reported by the test runner.
    const [text] = sentTexts(world).map((t) => JSON.stringify(t));
    expect(text).toBe(JSON.stringify('half an emoji: \ufffd and \ufffd end'));
  });

  it.each<[Platform, number]>([
    ['telegram', 4096],
    ['whatsapp', 4096],
    ['line', 5000],
    ['messenger', 2000],
  ])('%s: every part of a long emoji-heavy answer stays within %i UTF-16 units', (platform, limit) => {
    const answer = `${'😀'.repeat(limit)} ${'日本語のテキスト。'.repeat(limit / 4)}`;
    const { parts } = capReply(answer, replyLimit(testBot(platform, 'shape')), 10);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(limit);
      expect(wellFormed(part)).toBe(true);
    }
  });
});
