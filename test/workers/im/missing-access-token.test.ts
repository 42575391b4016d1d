import { describe, expect, it, vi } from 'vitest';
import {
  drive,
  fakePorts,
  fakeWorld,
  outcomes,
  RecordingCounters,
  testBot,
  textEvent,
} from './core-driver.ts';

// A bot whose send token is not set (a typo in its secret's name, a deleted secret) can never answer:
// asking the model first would bill every message for a reply nobody receives.
describe('a bot whose access token secret is not set', () => {
  it('drops each message as undeliverable without asking the model, and says why in the log', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const world = fakeWorld();
      const ports = { ...fakePorts(world), secret: () => undefined };
      const counters = new RecordingCounters();
      const bot = testBot('telegram', 'tokenless', { typingIndicator: false });
      const result = await drive(
        'telegram:tokenless:1',
        bot,
        [textEvent('1', '1', 'hello'), textEvent('2', '1', 'anyone?')],
        world,
        { ports, counters },
      );
      expect(result.backlog).toBe(0);
      expect(world.log).toEqual([]);
      expect(outcomes(counters)).toEqual(['undeliverable', 'undeliverable']);
      const logged = errors.mock.calls.map((args) => JSON.stringify(args));
      expect(
        logged.filter((line) => line.includes(`secret '${bot.accessTokenName}' is not set`)),
      ).toHaveLength(2);
    } finally {
      errors.mockRestore();
    }
  });

  it('still ignores, without a word in the log, group chatter not addressed to it', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const world = fakeWorld();
      const ports = { ...fakePorts(world), secret: () => undefined };
      const counters = new RecordingCounters();
      const bot = testBot('telegram', 'tokenless', { typingIndicator: false, groupReplies: 'mentions' });
      await drive('telegram:tokenless:-5', bot, [textEvent('1', '-5', 'hi all', { group: true })], world, {
        ports,
        counters,
      });
      expect(world.log).toEqual([]);
      expect(outcomes(counters)).toEqual(['not_addressed']);
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });
});
