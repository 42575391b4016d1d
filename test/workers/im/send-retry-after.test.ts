import { describe, expect, it } from 'vitest';
import { drive, fakeWorld, ok, RecordingCounters, testBot, textEvent } from './core-driver.ts';

const MINUTE = 60_000;
const sendTimes = (world: ReturnType<typeof fakeWorld>, started: number) =>
  world.log.flatMap((e) => (e.kind === 'send' && e.url.endsWith('/sendMessage') ? [e.at - started] : []));
/** Telegram's flood control: 429 with `parameters.retry_after` in seconds. */
const flood = (seconds: number) => ({
  status: 429,
  body: JSON.stringify({ ok: false, error_code: 429, parameters: { retry_after: seconds } }),
  headers: new Headers(),
});

describe('a send the platform throttles', () => {
  it('is not sent again before the Retry-After the platform gave, however long', async () => {
    const world = fakeWorld();
    const started = world.now;
    let refusals = 1;
    world.respond = (request) =>
      request.url.endsWith('/sendMessage') && refusals-- > 0 ? flood(30 * 60) : ok();
    const counters = new RecordingCounters();
    const result = await drive(
      'telegram:flood:1',
      testBot('telegram', 'flood'),
      [textEvent('f1', '1', 'hi')],
      world,
      {
        counters,
      },
    );
    expect(result.backlog).toBe(0);
    // Retried once, exactly when allowed: not early (which only meets another 429), not apologized for.
    expect(sendTimes(world, started)).toEqual([0, 30 * MINUTE]);
    expect(counters.added.map((a) => a.labels.outcome).filter(Boolean)).toEqual(['answered']);
  });

  it('a wait past a day is capped there, and the attempts stay bounded', async () => {
    const world = fakeWorld();
    const started = world.now;
    world.respond = (request) => (request.url.endsWith('/sendMessage') ? flood(3 * 24 * 3600) : ok());
    const counters = new RecordingCounters();
    const result = await drive(
      'telegram:flood:2',
      testBot('telegram', 'flood'),
      [textEvent('f2', '1', 'hi')],
      world,
      {
        counters,
        config: { maxAttempts: 2 },
      },
    );
    expect(result.backlog).toBe(0);
    // Reply, its retry, the apology and its retry: each a day apart, then given up and counted.
    expect(sendTimes(world, started)).toEqual([0, 24 * 60 * MINUTE, 24 * 60 * MINUTE, 48 * 60 * MINUTE]);
    expect(counters.added.map((a) => a.labels.outcome).filter(Boolean)).toEqual(['undeliverable']);
  });
});
