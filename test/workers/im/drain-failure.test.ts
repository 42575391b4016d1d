import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import type { Conversation } from '../../../durable-objects/conversation/conversation.ts';
import { ConversationStore } from '../../../durable-objects/conversation/store.ts';
import { conversation } from './harness.ts';

// The runtime retries an alarm that throws a few times, then drops it: a chat whose drain kept failing
// would hold messages already acknowledged to the platform until the chat wrote again.
describe("a chat's alarm whose drain fails", () => {
  it('does not throw: it logs the failure and sets the next alarm half a minute on', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const { next, at, left } = await runInDurableObject(
        conversation('telegram:drain-failure:77'),
        async (object, state) => {
          const instance = object as unknown as Conversation;
          const sql = state.storage.sql;
          new ConversationStore(sql).admit(
            {
              eventId: 'drain-failure-1',
              text: 'hi',
              target: { eventId: 'drain-failure-1', chatId: '77' },
              eventAt: 0,
            },
            Date.now(),
          );
          await state.storage.deleteAlarm();
          // Storage failing under the drain: the inbox cannot be read.
          sql.exec('ALTER TABLE inbox RENAME TO inbox_away');
          const at = Date.now();
          await instance.alarm();
          const next = await state.storage.getAlarm();
          await state.storage.deleteAlarm(); // the test's chat stops here
          sql.exec('ALTER TABLE inbox_away RENAME TO inbox');
          const left = Number(sql.exec('SELECT COUNT(*) AS n FROM inbox').one().n);
          return { next, at, left };
        },
      );
      expect(next).not.toBeNull();
      expect(next! - at).toBeGreaterThanOrEqual(30_000);
      expect(next! - at).toBeLessThan(40_000);
      expect(left).toBe(1);
      const logged = errors.mock.calls.map((args) => args.map(String).join(' '));
      expect(logged.some((line) => line.includes('im_drain_failed') && line.includes('no such table'))).toBe(
        true,
      );
    } finally {
      errors.mockRestore();
    }
  });
});
