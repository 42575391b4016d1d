import { describe, expect, it } from 'vitest';
import { parseLine } from '../../../workers/im/parse/line.ts';
import { parseTelegram } from '../../../workers/im/parse/telegram.ts';
import type { OutboundRequest } from '../../../workers/im/send/types.ts';
import type { BotSettings } from '../../../workers/im/types.ts';
import {
  drive,
  type FakeWorld,
  fakeWorld,
  type LogEntry,
  ok,
  RecordingCounters,
  type Sent,
  testBot,
} from './core-driver.ts';
import { lineBody, lineEvent } from './payloads.ts';

/** Telegram's getMe for a bot `eco_bot` with user id 1; every other call succeeds. */
function telegramWorld(overrides: Partial<FakeWorld> = {}): FakeWorld & { identity: number } {
  const world = Object.assign(fakeWorld(overrides), { identity: 0 });
  world.respond = (request: OutboundRequest) => {
    if (!request.url.endsWith('/getMe')) return ok();
    world.identity++;
    return {
      status: 200,
      body: JSON.stringify({ ok: true, result: { id: 1, is_bot: true, username: 'eco_bot' } }),
      headers: new Headers(),
    };
  };
  return world;
}

const asked = (world: FakeWorld) =>
  world.log
    .filter((e): e is Extract<LogEntry, { kind: 'complete' }> => e.kind === 'complete')
    .map((e) => e.text);
const replies = (world: FakeWorld) =>
  world.log
    .filter((e): e is LogEntry & Sent => e.kind === 'send' && e.url.endsWith('/sendMessage'))
    .map((s) => s.body.text);

/** A message in a Telegram supergroup, with optional entities and a replied-to message. */
function groupUpdate(updateId: number, text: string, extra: Record<string, unknown> = {}) {
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      from: { id: 77, is_bot: false, first_name: 'Grace' },
      chat: { id: -100900, title: 'Team', type: 'supergroup' },
      date: 1000,
      text,
      ...extra,
    },
  };
}
const mention = (offset: number, length: number) => ({ entities: [{ type: 'mention', offset, length }] });
const tg = (...updates: unknown[]) => updates.flatMap((u) => parseTelegram(u));

/** A LINE group text message; `mentionees` as LINE sends them. */
function lineGroupText(id: string, text: string, mentionees?: unknown[]) {
  const event = lineEvent({ id, text, groupId: 'Cgroup1', timestamp: 1_000_000 });
  return mentionees ? { ...event, message: { ...event.message, mention: { mentionees } } } : event;
}

describe('group reply policy (groupReplies)', () => {
  it('Telegram: by default answers only a mention, a text mention or a reply to the bot, never plain chatter', async () => {
    const world = telegramWorld();
    const counters = new RecordingCounters();
    const events = tg(
      groupUpdate(1, 'lunch at noon?'),
      groupUpdate(2, '@eco_bot what is 2+2?', mention(0, 8)),
      groupUpdate(3, '@other_bot what is 3+3?', mention(0, 10)),
      groupUpdate(4, 'and 4+4?', {
        reply_to_message: { message_id: 2, from: { id: 1, is_bot: true, username: 'eco_bot' } },
      }),
      groupUpdate(5, 'and 5+5?', {
        reply_to_message: { message_id: 9, from: { id: 555, is_bot: true, username: 'other_bot' } },
      }),
      groupUpdate(6, 'Eco, and 6+6?', {
        entities: [{ type: 'text_mention', offset: 0, length: 3, user: { id: 1 } }],
      }),
      groupUpdate(7, 'thanks @ECO_BOT !', mention(7, 8)),
    );
    const result = await drive('telegram:grp:-100900', testBot('telegram', 'grp'), events, world, {
      counters,
    });
    expect(result.backlog).toBe(0);
    // The model sees the question without the bot's own mention.
    expect(asked(world)).toEqual(['what is 2+2?', 'and 4+4?', 'and 6+6?', 'thanks!']);
    expect(replies(world)).toHaveLength(4);
    expect(counters.added.filter((a) => a.labels.outcome === 'not_addressed')).toHaveLength(3);
    // Learnt once, and only because a message named some account.
    expect(world.identity).toBe(1);
  });

  it('Telegram: plain group chatter costs no identity lookup, no model call and no send', async () => {
    const world = telegramWorld();
    await drive('telegram:grp:-100901', testBot('telegram', 'grp'), tg(groupUpdate(20, 'hi all')), world);
    expect(world.log).toEqual([]);
    expect(world.identity).toBe(0);
  });

  it('LINE: answers a message mentioning the bot (isSelf or its own user id), not @All or another member', async () => {
    const world = fakeWorld();
    const counters = new RecordingCounters();
    const events = parseLine(
      lineBody([
        lineGroupText('L1', 'morning everyone'),
        lineGroupText('L2', '@Eco summarize this', [{ index: 0, length: 4, type: 'user', isSelf: true }]),
        lineGroupText('L3', '@Bob lunch?', [{ index: 0, length: 4, type: 'user', userId: 'Ubob' }]),
        lineGroupText('L4', '@All meeting now', [{ index: 0, length: 4, type: 'all' }]),
        lineGroupText('L5', 'hey @Eco, translate hi', [
          { index: 4, length: 4, type: 'user', userId: 'U0123456789abcdef0123456789abcdef' },
        ]),
      ]),
    );
    await drive('line:grp:Cgroup1', testBot('line', 'grp'), events, world, { counters });
    expect(asked(world)).toEqual(['summarize this', 'hey, translate hi']);
    expect(counters.added.filter((a) => a.labels.outcome === 'not_addressed')).toHaveLength(3);
  });

  it('`all` answers every group message, still without the bot’s own mention', async () => {
    const world = telegramWorld();
    const bot = testBot('telegram', 'grpall', { groupReplies: 'all' } satisfies BotSettings);
    const events = tg(groupUpdate(30, 'lunch at noon?'), groupUpdate(31, '@eco_bot 2+2?', mention(0, 8)));
    await drive('telegram:grpall:-100900', bot, events, world);
    expect(asked(world)).toEqual(['lunch at noon?', '2+2?']);
  });

  it('a bare mention gets the help, which says how to address the bot in the group', async () => {
    const world = telegramWorld();
    await drive(
      'telegram:grp:-100902',
      testBot('telegram', 'grp'),
      tg(groupUpdate(40, '@eco_bot', mention(0, 8))),
      world,
    );
    expect(asked(world)).toEqual([]);
    expect(replies(world)[0]).toMatch(/mention me or reply to one of my messages/);
  });

  it('direct chats are answered as before, whatever the setting', async () => {
    const world = telegramWorld();
    const update = groupUpdate(50, 'hello');
    const direct = { ...update, message: { ...update.message, chat: { id: 77, type: 'private' } } };
    await drive('telegram:grp:77', testBot('telegram', 'grp'), tg(direct), world);
    expect(asked(world)).toEqual(['hello']);
    expect(world.identity).toBe(0);
  });

  it('ignored chatter does not spend the chat’s rate limit', async () => {
    const world = telegramWorld();
    const events = tg(
      ...[60, 61, 62, 63].map((n) => groupUpdate(n, `chatter ${n}`)),
      groupUpdate(64, '@eco_bot question', mention(0, 8)),
    );
    await drive('telegram:grp:-100903', testBot('telegram', 'grp'), events, world, {
      config: { ratePerMinute: 1, rateBurst: 1 },
    });
    expect(asked(world)).toEqual(['question']);
  });

  it('retries while Telegram cannot say who the bot is, then answers once', async () => {
    const world = telegramWorld();
    let failures = 2;
    const respond = world.respond;
    world.respond = (request) =>
      request.url.endsWith('/getMe') && failures-- > 0
        ? { status: 502, body: '{"ok":false}', headers: new Headers() }
        : respond(request);
    const result = await drive(
      'telegram:grp:-100904',
      testBot('telegram', 'grp'),
      tg(groupUpdate(70, '@eco_bot hi', mention(0, 8))),
      world,
    );
    expect(result.backlog).toBe(0);
    expect(asked(world)).toEqual(['hi']);
  });
});
