import type { CounterBatch } from '../../workers/im/counters.ts';
import { INDICATOR_TIMEOUT_MS } from '../../workers/im/send/indicator.ts';
import { telegramAnswerTap } from '../../workers/im/send/telegram.ts';
import type { BotConfig } from '../../workers/im/types.ts';
import type { ConversationPorts } from './ports.ts';

/**
 * Answer the callback queries of newly admitted Telegram button taps, so each client stops its
 * spinner at once rather than when the reply (perhaps behind a backlog) arrives. Best effort, like the
 * typing indicator: sent once (a redelivered tap is a duplicate and never gets here), a failure only
 * counted, never retried, and the reply goes out regardless.
 */
export async function acknowledgeTaps(
  queryIds: string[],
  bot: BotConfig,
  ports: ConversationPorts,
  counters: CounterBatch,
): Promise<void> {
  if (queryIds.length === 0 || bot.platform !== 'telegram') return;
  const failed = () => counters.add('im_indicator_failures_total', { platform: bot.platform, bot: bot.id });
  const token = ports.secret(bot.accessTokenName);
  if (!token) return;
  const apiBase = ports.apiBase(bot);
  await Promise.all(
    queryIds.map(async (queryId) => {
      try {
        const request = { ...telegramAnswerTap(apiBase, token, queryId), timeoutMs: INDICATOR_TIMEOUT_MS };
        const res = await ports.send(request);
        if (res.status < 200 || res.status >= 300) failed();
      } catch {
        failed();
      }
    }),
  );
}
