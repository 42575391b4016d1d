import { describe, expect, it } from 'vitest';
import { MESSAGES } from '../../../workers/im/commands.ts';
import { drive, fakeWorld, testBot, textEvent } from './core-driver.ts';

const HOUR = 3_600_000;
const sends = (world: ReturnType<typeof fakeWorld>) =>
  world.log.flatMap((e) => (e.kind === 'send' && e.url.endsWith('/sendMessage') ? [e.body.text] : []));
const completes = (world: ReturnType<typeof fakeWorld>) => world.log.filter((e) => e.kind === 'complete');

describe('a model refusal that asks for a longer wait than the retries cover', () => {
  it('a spent daily budget is explained at once, not retried for most of an hour meanwhile holding the chat', async () => {
    const world = fakeWorld();
    const started = world.now;
    world.answer = () => ({
      ok: false,
      retryable: true,
      status: 429,
      code: 'budget_exceeded',
      retryAfterMs: 9 * HOUR,
    });
    const result = await drive(
      'telegram:spent:1',
      testBot('telegram', 'spent'),
      [textEvent('s1', '1', 'hi')],
      world,
    );
    expect(result.backlog).toBe(0);
    expect(completes(world)).toHaveLength(1);
    expect(sends(world)).toEqual([MESSAGES.outOfBudget]);
    // Answered in the same pass, not after a chain of capped waits.
    expect(world.now).toBe(started);
  });

  it('a budget held only by requests in flight (a short wait) is still retried, then answered', async () => {
    const world = fakeWorld();
    let refusals = 1;
    world.answer = (text) =>
      refusals-- > 0
        ? { ok: false, retryable: true, status: 429, code: 'budget_exceeded', retryAfterMs: 1000 }
        : { ok: true, content: `answer to ${text}` };
    await drive('telegram:held:1', testBot('telegram', 'held'), [textEvent('h1', '1', 'hi')], world);
    expect(completes(world)).toHaveLength(2);
    expect(sends(world)).toEqual(['answer to hi']);
  });

  it('any other refusal with a wait beyond the retries gets the apology at once, and later messages are not held', async () => {
    const world = fakeWorld();
    const started = world.now;
    world.answer = (text) =>
      text === 'first'
        ? { ok: false, retryable: true, status: 429, code: 'origin_overloaded', retryAfterMs: 2 * HOUR }
        : { ok: true, content: `answer to ${text}` };
    await drive(
      'telegram:busy:1',
      testBot('telegram', 'busy'),
      [textEvent('b1', '1', 'first'), textEvent('b2', '1', 'second')],
      world,
    );
    expect(completes(world)).toHaveLength(2);
    expect(sends(world)).toEqual([MESSAGES.apology, 'answer to second']);
    expect(world.now).toBe(started);
  });
});
