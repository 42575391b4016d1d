import { describe, expect, it } from 'vitest';
import { MESSAGES } from '../../../workers/im/commands.ts';
import { parseLine } from '../../../workers/im/parse/line.ts';
import { asked, drive, fakeWorld, RecordingCounters, sends, testBot, textEvent } from './core-driver.ts';
import { lineBody, lineEvent } from './payloads.ts';

const texts = (world: Parameters<typeof sends>[0]) => sends(world).map((s) => s.body.text);

describe('a chat flooded while its model is slow', () => {
  it('is limited by when the messages arrived, not by how slowly they are answered', async () => {
    // Every answer takes a minute: long enough for the bucket to refill between turns.
    const world = fakeWorld();
    world.answer = (text) => {
      world.now += 60_000;
      return { ok: true, content: `answer to ${text}` };
    };
    const counters = new RecordingCounters();
    const flood = Array.from({ length: 12 }, (_, i) => textEvent(`F${i}`, '4242', `m${i}`));
    const result = await drive('telegram:flood:4242', testBot('telegram', 'flood'), flood, world, {
      counters,
      config: { ratePerMinute: 20, rateBurst: 5 },
      maxPasses: 100,
    });
    expect(result.backlog).toBe(0);
    expect(asked(world)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(texts(world).filter((t) => t === MESSAGES.rateLimited)).toHaveLength(1);
    const outcomes = counters.added
      .filter((a) => a.metric === 'im_replies_total')
      .map((a) => a.labels.outcome);
    expect(outcomes.filter((o) => o === 'answered')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'rate_limited')).toHaveLength(7);
  });

  it('messages arriving at the chat’s own pace are all answered, however slow the model', async () => {
    const world = fakeWorld();
    world.answer = (text) => {
      world.now += 60_000;
      return { ok: true, content: `answer to ${text}` };
    };
    const bot = testBot('telegram', 'pace');
    for (let i = 0; i < 8; i++) {
      await drive('telegram:pace:4343', bot, [textEvent(`P${i}`, '4343', `p${i}`)], world, {
        config: { ratePerMinute: 20, rateBurst: 5 },
      });
      world.now += 10_000;
    }
    expect(asked(world)).toHaveLength(8);
  });
});

describe('events of one body out of order', () => {
  it('are answered in the order they were written', async () => {
    const world = fakeWorld();
    const at = world.now - 10_000;
    const events = parseLine(
      lineBody([
        lineEvent({ id: 'O3', text: 'third', timestamp: at + 3000 }),
        lineEvent({ id: 'O1', text: 'first', timestamp: at + 1000 }),
        lineEvent({ id: 'O2', text: 'second', timestamp: at + 2000 }),
        lineEvent({ id: 'O2b', text: 'second, same moment', timestamp: at + 2000 }),
      ]),
    );
    await drive('line:order:U4af4980629abcdef0123456789abcdef', testBot('line', 'order'), events, world);
    expect(asked(world)).toEqual(['first', 'second', 'second, same moment', 'third']);
  });

  it('a removal listed before a message sent earlier still drops that message', async () => {
    const world = fakeWorld();
    const counters = new RecordingCounters();
    const at = world.now - 10_000;
    const events = parseLine(
      lineBody([
        {
          ...lineEvent({ id: 'R2', type: 'leave', groupId: 'Cgone', timestamp: at + 2000 }),
          replyToken: undefined,
        },
        lineEvent({ id: 'R1', text: '@Eco hi', groupId: 'Cgone', timestamp: at + 1000 }),
      ]),
    );
    // The message is addressed (all), so only the removal can keep it from being answered.
    const bot = testBot('line', 'order', { groupReplies: 'all' });
    const result = await drive('line:order:Cgone', bot, events, world, { counters });
    expect(result.backlog).toBe(0);
    expect(asked(world)).toEqual([]);
    expect(world.log.filter((e) => e.kind === 'send')).toEqual([]);
    expect(counters.added.filter((a) => a.labels.outcome === 'chat_left')).toHaveLength(1);
  });

  it('keeps the order given when an event has no time', async () => {
    const world = fakeWorld();
    const events = [
      textEvent('N2', '4444', 'second', { timestampMs: world.now }),
      textEvent('N1', '4444', 'first', { timestampMs: 0 }),
    ];
    await drive('telegram:order:4444', testBot('telegram', 'order'), events, world);
    expect(asked(world)).toEqual(['second', 'first']);
  });
});
