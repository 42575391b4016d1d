import { describe, expect, it } from 'vitest';
import { parseTelegram } from '../../../workers/im/parse/telegram.ts';
import { drive, fakeWorld, ok, testBot } from './core-driver.ts';
import { SENT_AT_S } from './payloads.ts';

const GROUP = { id: -100800, type: 'supergroup', title: 'Team' };

function groupMessage(updateId: number, fields: Record<string, unknown>) {
  return { update_id: updateId, message: { message_id: updateId, chat: GROUP, date: SENT_AT_S, ...fields } };
}
const mention = { text: '@eco_bot status?', entities: [{ type: 'mention', offset: 0, length: 8 }] };
const reasons = (updates: unknown[]) => updates.flatMap(parseTelegram).map((e) => e.reason ?? e.kind);

describe('Telegram: who sent a group message', () => {
  it('an anonymous admin or someone posting as a channel (placeholder bot account + sender_chat) is a person', () => {
    expect(
      reasons([
        // Telegram's placeholder accounts for messages sent on behalf of a chat.
        groupMessage(1, {
          from: { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' },
          sender_chat: GROUP,
          ...mention,
        }),
        groupMessage(2, {
          from: { id: 136817688, is_bot: true, first_name: 'Channel', username: 'Channel_Bot' },
          sender_chat: { id: -100123, type: 'channel', title: 'News' },
          ...mention,
        }),
        // A real bot's message stays unanswered: two bots answering each other would never stop.
        groupMessage(3, { from: { id: 555, is_bot: true, username: 'other_bot' }, ...mention }),
        groupMessage(4, {
          from: { id: 555, is_bot: true, username: 'other_bot' },
          photo: [{ file_id: 'p' }],
          caption: '@eco_bot look',
          caption_entities: [{ type: 'mention', offset: 0, length: 8 }],
        }),
      ]),
    ).toEqual(['text', 'text', 'from_bot', 'from_bot']);
  });

  it("a linked channel's post copied into its discussion group is not a question for the bot", () => {
    const forward = groupMessage(5, {
      from: { id: 777000, is_bot: false, first_name: 'Telegram' },
      sender_chat: { id: -100123, type: 'channel', title: 'News' },
      is_automatic_forward: true,
      text: 'New release out today',
    });
    expect(reasons([forward])).toEqual(['channel_forward']);
  });

  it('an anonymous admin mentioning the bot gets an answer', async () => {
    const world = fakeWorld();
    world.respond = (request) =>
      request.url.endsWith('/getMe')
        ? {
            status: 200,
            body: JSON.stringify({ ok: true, result: { id: 1, is_bot: true, username: 'eco_bot' } }),
            headers: new Headers(),
          }
        : ok();
    const events = parseTelegram(
      groupMessage(6, {
        from: { id: 1087968824, is_bot: true, username: 'GroupAnonymousBot' },
        sender_chat: GROUP,
        ...mention,
      }),
    );
    const result = await drive('telegram:anon:-100800', testBot('telegram', 'anon'), events, world);
    expect(result.backlog).toBe(0);
    expect(
      world.log.filter((e) => e.kind === 'complete').map((e) => e.kind === 'complete' && e.text),
    ).toEqual(['status?']);
  });
});
