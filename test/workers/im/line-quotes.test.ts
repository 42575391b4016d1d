import { describe, expect, it } from 'vitest';
import { plainGroupChatter } from '../../../workers/im/group-filter.ts';
import { parseLine } from '../../../workers/im/parse/line.ts';
import { lineSentMessageIds } from '../../../workers/im/send/line.ts';
import type { OutboundRequest } from '../../../workers/im/send/types.ts';
import {
  drive,
  type FakeWorld,
  fakeWorld,
  type LogEntry,
  RecordingCounters,
  testBot,
} from './core-driver.ts';
import { lineBody, lineEvent } from './payloads.ts';

/** A LINE group text message, quoting `quoted` when given, mentioning the bot when `mention`. */
function groupText(id: string, text: string, quoted?: string, mention = false) {
  const event = lineEvent({ id, text, groupId: 'Cquotes', timestamp: 1_000_000 });
  return {
    ...event,
    message: {
      ...event.message,
      ...(quoted ? { quotedMessageId: quoted } : {}),
      ...(mention ? { mention: { mentionees: [{ index: 0, length: 4, type: 'user', isSelf: true }] } } : {}),
    },
  };
}

/** LINE's send answers: every message delivered gets the next id (`B1`, `B2`, …). */
function lineWorld(): FakeWorld {
  let next = 0;
  return fakeWorld({
    respond: (request: OutboundRequest) => {
      const messages = (JSON.parse(request.body) as { messages?: unknown[] }).messages ?? [];
      const sentMessages = messages.map(() => ({ id: `B${++next}`, quoteToken: 'qt' }));
      return { status: 200, body: JSON.stringify({ sentMessages }), headers: new Headers() };
    },
  });
}

const asked = (world: FakeWorld) =>
  world.log
    .filter((e): e is Extract<LogEntry, { kind: 'complete' }> => e.kind === 'complete')
    .map((e) => e.text);

describe('LINE: quoting one of the bot’s messages in a group addresses it', () => {
  it('answers a quote of the bot’s own message, not a quote of someone else’s', async () => {
    const world = lineWorld();
    const counters = new RecordingCounters();
    const events = parseLine(
      lineBody([
        groupText('Q1', '@Eco what is 2+2?', undefined, true),
        // B1 is the bot's answer to Q1; m-Q1 is the person's own message.
        groupText('Q2', 'and times 3?', 'B1'),
        groupText('Q3', 'I agree with this', 'm-Q1'),
        groupText('Q4', 'and this?', 'B999'),
      ]),
    );
    const result = await drive('line:quotes:Cquotes', testBot('line', 'quotes'), events, world, { counters });
    expect(result.backlog).toBe(0);
    expect(asked(world)).toEqual(['what is 2+2?', 'and times 3?']);
    expect(counters.added.filter((a) => a.labels.outcome === 'not_addressed')).toHaveLength(2);
  });

  it('a quote reaches the chat instead of being settled as chatter at the webhook', () => {
    const bot = testBot('line', 'quotes');
    const [quote, chatter] = parseLine(lineBody([groupText('Q5', 'this', 'B1'), groupText('Q6', 'lunch?')]));
    expect(quote?.signals?.quotedMessageId).toBe('B1');
    expect(plainGroupChatter(quote!, bot)).toBe(false);
    expect(plainGroupChatter(chatter!, bot)).toBe(true);
  });

  it('a quote in a one-on-one chat needs no check: every message there is for the bot', () => {
    const event = lineEvent({ id: 'Q7', text: 'hm' });
    const [parsed] = parseLine(
      lineBody([{ ...event, message: { ...event.message, quotedMessageId: 'B1' } }]),
    );
    expect(parsed?.signals).toBeUndefined();
  });

  it('reads sent message ids from the send answer, and nothing from a broken or foreign one', () => {
    expect(
      lineSentMessageIds('{"sentMessages":[{"id":"461230966842064897","quoteToken":"x"},{"id":"2"}]}'),
    ).toEqual(['461230966842064897', '2']);
    expect(lineSentMessageIds('{"sentMessages":[{"id":5},null,{"id":""}]}')).toEqual([]);
    expect(lineSentMessageIds('{"sentMessages":"x"}')).toEqual([]);
    expect(lineSentMessageIds('{"sentMessages":[{"id":"4')).toEqual([]);
    expect(lineSentMessageIds('')).toEqual([]);
  });
});
