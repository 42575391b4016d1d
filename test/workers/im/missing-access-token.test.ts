import { afterEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import type { BotConfig, ImEvent } from '../../../workers/im/types.ts';
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

let errors: MockInstance;
afterEach(() => errors?.mockRestore());

/** Drive `events` through a Conversation whose ports know no secret, the error log captured. */
async function withoutToken(chatKey: string, bot: BotConfig, events: ImEvent[]) {
  errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const world = fakeWorld();
  const counters = new RecordingCounters();
  const ports = { ...fakePorts(world), secret: () => undefined };
  const result = await drive(chatKey, bot, events, world, { ports, counters });
  return { world, counters, result };
}

describe('a bot whose access token secret is not set', () => {
  it('drops each message as undeliverable without asking the model, and says why in the log', async () => {
    const bot = testBot('telegram', 'tokenless', { typingIndicator: false });
    const { world, counters, result } = await withoutToken('telegram:tokenless:1', bot, [
      textEvent('1', '1', 'hello'),
      textEvent('2', '1', 'anyone?'),
    ]);
    expect(result.backlog).toBe(0);
    expect(world.log).toEqual([]);
    expect(outcomes(counters)).toEqual(['undeliverable', 'undeliverable']);
    const logged = errors.mock.calls.map((args) => JSON.stringify(args));
    expect(logged.filter((line) => line.includes(`secret '${bot.accessTokenName}' is not set`))).toHaveLength(
      2,
    );
  });

  it('still ignores, without a word in the log, group chatter not addressed to it', async () => {
    const bot = testBot('telegram', 'tokenless', { typingIndicator: false, groupReplies: 'mentions' });
    const { world, counters } = await withoutToken('telegram:tokenless:-5', bot, [
      textEvent('1', '-5', 'hi all', { group: true }),
    ]);
    expect(world.log).toEqual([]);
    expect(outcomes(counters)).toEqual(['not_addressed']);
    expect(errors).not.toHaveBeenCalled();
  });
});
