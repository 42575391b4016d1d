import type { Conversation } from '../../durable-objects/conversation/conversation.ts';
import type { EnqueueResult } from '../../durable-objects/conversation/core.ts';
import { forEachBounded } from '../for-each-bounded.ts';
import type { BotConfig, ImEvent } from './types.ts';

/**
 * Conversation calls in flight at once for one webhook. A batch may name hundreds of chats; starting
 * them all at once would spike subrequests and memory for one invocation, while a few at a time still
 * finishes well inside every platform's acknowledgement deadline.
 */
export const HANDOVER_CONCURRENCY = 16;

type Enqueuer = Pick<DurableObjectNamespace<Conversation>, 'getByName'>;

/**
 * Hand every text event (and every removal of the bot from a chat) to its chat's Conversation, one call per chat, at most `limit` at a time.
 * Resolves only after every chat has recorded its events; if any call fails, no further calls start,
 * the ones in flight are awaited, and the error is thrown (the platform redelivers; dedup makes the
 * chats already handed over safe).
 */
export async function handOver(
  namespace: Enqueuer,
  bot: BotConfig,
  events: ImEvent[],
  limit = HANDOVER_CONCURRENCY,
): Promise<EnqueueResult> {
  const byChat = new Map<string, ImEvent[]>();
  for (const event of events) {
    if (event.kind !== 'text' && event.kind !== 'left') continue;
    const list = byChat.get(event.chatId) ?? [];
    list.push(event);
    byChat.set(event.chatId, list);
  }
  const total: EnqueueResult = { queued: 0, duplicates: 0 };
  await forEachBounded([...byChat], limit, async ([chatId, chatEvents]) => {
    const chatKey = `${bot.platform}:${bot.id}:${chatId}`;
    const result = await namespace.getByName(chatKey).enqueue(chatKey, bot, chatEvents);
    total.queued += result.queued;
    total.duplicates += result.duplicates;
  });
  return total;
}
