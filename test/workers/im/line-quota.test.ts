import { afterEach, describe, expect, it, vi } from 'vitest';
import { TRUNCATION_NOTE } from '../../../durable-objects/conversation/reply-cap.ts';
import type { OutboundRequest } from '../../../workers/im/send/types.ts';
import {
  drive,
  type FakeWorld,
  fakeWorld,
  outcomes,
  RecordingCounters,
  sends,
  testBot,
  textEvent,
} from './core-driver.ts';

const SPENT = JSON.stringify({ message: 'You have reached your monthly limit.' });
const RATE = JSON.stringify({ message: 'The API rate limit has been exceeded. Try again later.' });

/** LINE answering every push with 429 `body`; replies (free, outside the allowance) succeed. */
function lineWorld(body: string): FakeWorld {
  return fakeWorld({
    respond: (request: OutboundRequest) =>
      request.url.endsWith('/push')
        ? { status: 429, body, headers: new Headers() }
        : { status: 200, body: '{"sentMessages":[{"id":"1"}]}', headers: new Headers() },
  });
}

const calls = (world: FakeWorld, path: string) => sends(world).filter((s) => s.url.endsWith(path));

/** A message whose reply token is too old to use (so the answer must be pushed), or a fresh one. */
const stale = (id: string, chat: string, now: number) =>
  textEvent(id, chat, `q ${id}`, { replyToken: `rt-${id}`, timestampMs: now - 120_000 });
const fresh = (id: string, chat: string, now: number) =>
  textEvent(id, chat, `q ${id}`, { replyToken: `rt-${id}`, timestampMs: now });

afterEach(() => vi.restoreAllMocks());

describe('LINE monthly message limit', () => {
  it('a push refused for the spent allowance is not retried, nor apologized for by another push', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const world = lineWorld(SPENT);
    const counters = new RecordingCounters();
    const bot = testBot('line', 'quota');
    const result = await drive('line:quota:Uq1', bot, [stale('E1', 'Uq1', world.now)], world, { counters });
    expect(result.backlog).toBe(0);
    expect(calls(world, '/push')).toHaveLength(1);
    expect(outcomes(counters)).toEqual(['quota_exhausted']);
    expect(counters.count('im_reply_failures_total')).toBe(0);
    expect(errors.mock.calls.filter((c) => String(c[0]).includes('monthly message limit'))).toHaveLength(1);
  });

  it('the chat then holds its pushes for an hour, yet still answers through a fresh reply token', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const world = lineWorld(SPENT);
    const counters = new RecordingCounters();
    const bot = testBot('line', 'quota');
    const chat = 'line:quota:Uq2';
    await drive(chat, bot, [stale('F1', 'Uq2', world.now), stale('F2', 'Uq2', world.now)], world, {
      counters,
    });
    // The second answer is never offered to LINE: it would only be refused.
    expect(calls(world, '/push')).toHaveLength(1);
    await drive(chat, bot, [fresh('F3', 'Uq2', world.now)], world, { counters });
    expect(calls(world, '/reply')).toHaveLength(1);
    expect(outcomes(counters)).toEqual(['quota_exhausted', 'quota_exhausted', 'answered']);
    // An hour on, one push is tried again (the month may have turned, the plan been raised).
    world.now += 3_600_000;
    await drive(chat, bot, [stale('F4', 'Uq2', world.now)], world, { counters });
    expect(calls(world, '/push')).toHaveLength(2);
  });

  it('is logged once per bot, not once per chat or reply', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const world = lineWorld(SPENT);
    const bot = testBot('line', 'quota-log');
    await drive('line:quota-log:Ua', bot, [stale('G1', 'Ua', world.now)], world);
    await drive('line:quota-log:Ub', bot, [stale('G2', 'Ub', world.now)], world);
    expect(calls(world, '/push')).toHaveLength(2);
    expect(errors.mock.calls.filter((c) => String(c[0]).includes('monthly message limit'))).toHaveLength(1);
  });

  it('an ordinary rate limit (429 with LINE’s rate-limit message) is still retried', async () => {
    const world = lineWorld(RATE);
    const counters = new RecordingCounters();
    await drive('line:quota:Uq3', testBot('line', 'quota'), [stale('H1', 'Uq3', world.now)], world, {
      counters,
      config: { maxAttempts: 3 },
    });
    // Three tries of the answer, three of the apology, then given up.
    expect(calls(world, '/push')).toHaveLength(6);
    expect(outcomes(counters)).toEqual(['undeliverable']);
  });
});

describe('a long answer while pushes are held', () => {
  it('is cut to what one reply carries, its last message ending with the truncation note', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const world = lineWorld(SPENT);
    const counters = new RecordingCounters();
    const bot = testBot('line', 'quota-long');
    const chat = 'line:quota-long:Ul';
    await drive(chat, bot, [stale('L1', 'Ul', world.now)], world, { counters });
    world.answer = () => ({ ok: true, content: 'word '.repeat(7_000) });
    await drive(chat, bot, [fresh('L2', 'Ul', world.now)], world, { counters });
    const replies = calls(world, '/reply');
    expect(replies).toHaveLength(1);
    const messages = (replies[0]!.body as { messages: { text: string }[] }).messages;
    expect(messages).toHaveLength(5);
    expect(messages.at(-1)!.text.endsWith(TRUNCATION_NOTE)).toBe(true);
    // Only the first message's push was ever tried.
    expect(calls(world, '/push')).toHaveLength(1);
    expect(outcomes(counters)).toEqual(['quota_exhausted', 'answered']);
  });
});
