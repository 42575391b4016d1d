import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Conversation } from '../../../durable-objects/conversation/conversation.ts';
import { ConversationStore } from '../../../durable-objects/conversation/store.ts';
import { testBot, textEvent } from './core-driver.ts';
import { conversation } from './harness.ts';

describe('a redelivered message', () => {
  it('finding queued work with no alarm left to do it, arms one', async () => {
    const chatKey = 'telegram:rearm:4242';
    const bot = testBot('telegram', 'rearm');
    await runInDurableObject(conversation(chatKey), async (object, state) => {
      const instance = object as unknown as Conversation;
      // Queued and seen, not due for an hour, and no alarm: as after alarm runs that were given up.
      const store = new ConversationStore(state.storage.sql);
      store.admit(
        { eventId: 'rearm-1', text: 'hi', target: { eventId: 'rearm-1', chatId: '4242' }, eventAt: 0 },
        Date.now(),
      );
      store.update(1, { dueAt: Date.now() + 3_600_000 });
      await state.storage.deleteAlarm();
      const again = await instance.enqueue(chatKey, bot, [
        textEvent('rearm-1', '4242', 'hi', { timestampMs: Date.now() }),
      ]);
      expect(again).toMatchObject({ queued: 0, duplicates: 1 });
      expect(await state.storage.getAlarm()).not.toBeNull();
    });
  });

  it('with nothing queued, arms nothing', async () => {
    const chatKey = 'telegram:rearm:4343';
    const bot = testBot('telegram', 'rearm');
    await runInDurableObject(conversation(chatKey), async (object, state) => {
      const instance = object as unknown as Conversation;
      new ConversationStore(state.storage.sql).markSeen('rearm-2', Date.now());
      const again = await instance.enqueue(chatKey, bot, [
        textEvent('rearm-2', '4343', 'hi', { timestampMs: Date.now() }),
      ]);
      expect(again).toMatchObject({ queued: 0, duplicates: 1 });
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });
});
