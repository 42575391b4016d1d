import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { conversationConfig } from '../../../durable-objects/conversation/config.ts';
import { ConversationCore } from '../../../durable-objects/conversation/core.ts';
import { ConversationStore } from '../../../durable-objects/conversation/store.ts';
import { parseLine } from '../../../workers/im/parse/line.ts';
import { parseTelegram } from '../../../workers/im/parse/telegram.ts';
import type { BotConfig, ImEvent } from '../../../workers/im/types.ts';
import { postWebhook, seedBot } from './bots.ts';
import { fakePorts, fakeWorld, RecordingCounters, testBot, textEvent } from './core-driver.ts';
import { backlog, conversation, counter } from './harness.ts';
import { lineBody, lineEvent } from './payloads.ts';

const GROUP = 'Cleft0000000000000000000000000000';

function kicked(updateId: number, chatId: number, status: string) {
  return {
    update_id: updateId,
    my_chat_member: {
      chat: { id: chatId, title: 'Team', type: 'supergroup' },
      from: { id: 9, is_bot: false, first_name: 'Admin' },
      date: 1000,
      old_chat_member: { status: 'member', user: { id: 1, is_bot: true, username: 'eco_bot' } },
      new_chat_member: { status, user: { id: 1, is_bot: true, username: 'eco_bot' } },
    },
  };
}

/** Enqueue, fail the model once so the message waits for its retry, then hand over `later`. */
async function pendingThen(chatKey: string, bot: BotConfig, later: ImEvent[]) {
  const world = fakeWorld({ answer: () => ({ ok: false, retryable: true, status: 503, code: 'busy' }) });
  const counters = new RecordingCounters();
  return runInDurableObject(conversation(chatKey), async (_instance, state) => {
    const core = new ConversationCore({
      store: new ConversationStore(state.storage.sql),
      ports: fakePorts(world),
      config: { ...conversationConfig({}), ratePerMinute: 0 },
      counters,
      now: () => world.now,
      random: () => 0.5,
    });
    const chatId = chatKey.split(':')[2]!;
    core.enqueue(chatKey, bot, [
      textEvent('q1', chatId, 'first', { group: true }),
      textEvent('q2', chatId, 'second', { group: true }),
    ]);
    const next = await core.drain();
    const calls = world.log.length;
    const result = core.enqueue(chatKey, bot, later);
    world.now = next ?? world.now;
    await core.drain();
    const left = Number(state.storage.sql.exec('SELECT COUNT(*) AS n FROM inbox').one().n);
    return { result, left, callsAfter: world.log.length - calls, counters };
  });
}

describe('the bot removed from a chat', () => {
  it('parses LINE leave and unfollow, and Telegram left or kicked, as removals', () => {
    const line = parseLine(
      lineBody([
        lineEvent({ id: 'V1', type: 'leave', groupId: GROUP }),
        lineEvent({ id: 'V2', type: 'unfollow' }),
      ]),
    );
    expect(line.map((e) => [e.kind, e.chatId])).toEqual([
      ['left', GROUP],
      ['left', 'U4af4980629abcdef0123456789abcdef'],
    ]);
    expect(parseTelegram(kicked(5, -100700, 'kicked'))).toMatchObject([{ kind: 'left', chatId: '-100700' }]);
    expect(parseTelegram(kicked(6, 4242, 'left'))).toMatchObject([{ kind: 'left', chatId: '4242' }]);
    // Promoted to admin, or added back: nothing to stop.
    expect(parseTelegram(kicked(7, -100700, 'administrator'))).toMatchObject([{ kind: 'ignored' }]);
  });

  it('drops the chat’s pending replies at once instead of retrying sends that can never succeed', async () => {
    const bot = testBot('telegram', 'left', { groupReplies: 'all' });
    const { result, left, callsAfter, counters } = await pendingThen(
      'telegram:left:-100700',
      bot,
      parseTelegram(kicked(8, -100700, 'kicked')),
    );
    expect(result).toMatchObject({ queued: 0, dropped: 2 });
    expect(left).toBe(0);
    expect(callsAfter).toBe(0);
    expect(counters.added.filter((a) => a.labels.outcome === 'chat_left')).toHaveLength(1);
  });

  it('keeps what was said after the removal (the bot added back), and a redelivered removal drops nothing', async () => {
    const bot = testBot('telegram', 'left', { groupReplies: 'all' });
    const [removal] = parseTelegram(kicked(9, -100701, 'kicked'));
    const later = textEvent('q3', '-100701', 'back again', { group: true, timestampMs: 2_000_000 });
    const { result, left } = await pendingThen('telegram:left:-100701', bot, [removal!, later, removal!]);
    expect(result).toMatchObject({ queued: 1, dropped: 2 });
    expect(left).toBe(1);
  });

  it('through the webhook: a LINE leave empties the group’s inbox and is counted', async () => {
    await seedBot({ platform: 'line', id: 'leaver', keyId: 'key_none', model: 'none' });
    const chatKey = `line:leaver:${GROUP}`;
    // A message stuck waiting (its model is missing, so it would be retried and apologized for).
    await runInDurableObject(conversation(chatKey), async (_i, state) => {
      const store = new ConversationStore(state.storage.sql);
      store.set('bot', testBot('line', 'leaver'));
      store.admit(
        {
          eventId: 'stuck',
          text: 'hi',
          target: { eventId: 'stuck', chatId: GROUP, group: true },
          eventAt: 0,
        },
        Date.now(),
      );
      store.update(1, { dueAt: Date.now() + 3_600_000 });
    });
    expect(await backlog(chatKey)).toBe(1);
    const res = await postWebhook(
      'line',
      'leaver',
      JSON.stringify(lineBody([lineEvent({ id: 'V3', type: 'leave', groupId: GROUP })])),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ queued: 0, ignored: 1 });
    expect(await backlog(chatKey)).toBe(0);
    expect(await counter('im_replies_total', 'bot="leaver",outcome="chat_left",platform="line"')).toBe(1);
  });
});
