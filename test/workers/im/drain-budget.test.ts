import { describe, expect, it } from 'vitest';
import { drive, fakeWorld, testBot, textEvent } from './core-driver.ts';

const MINUTE = 60_000;

describe('one drain pass stays far inside the alarm handler’s wall-time limit', () => {
  it('starts no further message once the pass has run for its budget, and asks for the next alarm at once', async () => {
    const world = fakeWorld();
    // A slow model: every answer takes two minutes (the model timeout allows up to 120 s).
    world.answer = (text) => {
      world.now += 2 * MINUTE;
      return { ok: true, content: `answer to ${text}` };
    };
    const events = Array.from({ length: 10 }, (_, i) => textEvent(`b${i}`, '77', `q${i}`));
    const started = world.now;
    const result = await drive('telegram:budget:77', testBot('telegram', 'budget'), events, world, {
      maxPasses: 1,
    });
    const answered = world.log.filter((e) => e.kind === 'complete').length;
    expect(answered).toBeLessThan(10);
    expect(world.now - started).toBeLessThanOrEqual(6 * MINUTE);
    expect(result.backlog).toBe(10 - answered);
    // The rest continues in a fresh alarm right away, in order.
    expect(result.passes[0]).toBe(world.now);
  });
});
