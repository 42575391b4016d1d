import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { conversationConfig } from '../../../durable-objects/conversation/config.ts';
import { ConversationCore } from '../../../durable-objects/conversation/core.ts';
import type { SendResponse } from '../../../durable-objects/conversation/ports.ts';
import { ConversationStore } from '../../../durable-objects/conversation/store.ts';
import type { OutboundRequest } from '../../../workers/im/send/types.ts';
import type { BotConfig, ImEvent } from '../../../workers/im/types.ts';
import {
  type FakeWorld,
  fakePorts,
  fakeWorld,
  ok,
  outcomes,
  RecordingCounters,
  sends,
  testBot,
  textEvent,
} from './core-driver.ts';
import { conversation } from './harness.ts';

/**
 * The bot removed from the chat while the drain waits (on the model, on a send): the webhook is
 * admitted meanwhile and drops the message being handled. Nothing more is sent, written or counted
 * for it afterwards: it was counted `chat_left` when it was dropped.
 */
const removal = (chatId: string, eventId: string): ImEvent => ({
  eventId,
  kind: 'left',
  chatId,
  userId: chatId,
  timestampMs: 1_000_500,
});

/** One message handled by one drain pass; `during` gets a hook that hands the removal over. */
async function removedWhile(
  chatKey: string,
  bot: BotConfig,
  during: (leave: () => void) => Partial<FakeWorld>,
) {
  const counters = new RecordingCounters();
  const chatId = chatKey.split(':')[2]!;
  return runInDurableObject(conversation(chatKey), async (_instance, state) => {
    const store = new ConversationStore(state.storage.sql);
    let core: ConversationCore | undefined;
    const leave = () => core!.enqueue(chatKey, bot, [removal(chatId, `${chatKey}:left`)]);
    const world = fakeWorld(during(leave));
    core = new ConversationCore({
      store,
      ports: fakePorts(world),
      config: { ...conversationConfig({}), ratePerMinute: 0 },
      counters,
      now: () => world.now,
      random: () => 0.5,
    });
    core.enqueue(chatKey, bot, [textEvent(`${chatKey}:q`, chatId, 'hello there')]);
    await core.drain();
    return { world, counters, history: store.history(), backlog: store.backlog() };
  });
}

describe('the bot removed from the chat while its reply is being made', () => {
  it('during the model call: the answer is neither sent, kept in history nor counted', async () => {
    const bot = testBot('telegram', 'left-mid-model', { typingIndicator: false });
    const { world, counters, history, backlog } = await removedWhile(
      'telegram:left-mid-model:4101',
      bot,
      (leave) => ({
        answer: async () => {
          leave();
          return { ok: true, content: 'too late' };
        },
      }),
    );
    expect(sends(world)).toEqual([]);
    expect(outcomes(counters)).toEqual(['chat_left']);
    expect(history).toEqual([]);
    expect(backlog).toBe(0);
  });

  it('after the answer, before its first part went out: the exchange is taken out of the history', async () => {
    const bot = testBot('telegram', 'left-mid-indicator', { typingIndicator: true });
    let answered: () => void = () => {};
    const afterAnswer = new Promise<void>((resolve) => {
      answered = resolve;
    });
    const { world, history } = await removedWhile('telegram:left-mid-indicator:4104', bot, (leave) => ({
      answer: () => {
        answered();
        return { ok: true, content: 'never seen' };
      },
      // The indicator's call answers only once the model has: the reply waits for it, and the bot leaves.
      respond: async (request: OutboundRequest) => {
        if (request.url.includes('sendChatAction')) {
          await afterAnswer;
          leave();
        }
        return ok();
      },
    }));
    expect(sends(world).filter((s) => s.url.includes('sendMessage'))).toEqual([]);
    expect(history).toEqual([]);
  });

  it('during the send of its only part: the part is out, but it is not counted again as answered', async () => {
    const bot = testBot('telegram', 'left-mid-send', { typingIndicator: false });
    const { world, counters } = await removedWhile('telegram:left-mid-send:4102', bot, (leave) => ({
      respond: () => {
        leave();
        return ok();
      },
    }));
    expect(sends(world)).toHaveLength(1);
    expect(outcomes(counters)).toEqual(['chat_left']);
  });

  it('during the send of its first part: the later parts are not sent', async () => {
    const bot = testBot('messenger', 'left-mid-parts', { typingIndicator: false });
    let replies = 0;
    const { world, counters } = await removedWhile('messenger:left-mid-parts:4103', bot, (leave) => ({
      // Long enough for several parts; Messenger has no per-chat gap, so they go out one after another.
      answer: () => ({ ok: true, content: 'word '.repeat(1500) }),
      respond: (_request: OutboundRequest): SendResponse => {
        if (replies++ === 0) leave();
        return ok();
      },
    }));
    expect(sends(world)).toHaveLength(1);
    expect(outcomes(counters)).toEqual(['chat_left']);
  });
});
