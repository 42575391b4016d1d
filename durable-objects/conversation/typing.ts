import type { CounterBatch } from '../../workers/im/counters.ts';
import { indicatorRequest } from '../../workers/im/send/indicator.ts';
import type { BotConfig } from '../../workers/im/types.ts';
import type { ConversationPorts } from './ports.ts';
import type { InboxRow } from './store.ts';

/**
 * Show "typing…" while the model works on `row`. Best effort and fire-and-forget: the reply never
 * waits for it, a failure is only counted, and it is never retried. Only a message's first attempt
 * shows it, so a retry (which may come minutes later) does not flash it again.
 */
export function showTyping(
  row: InboxRow,
  bot: BotConfig,
  ports: ConversationPorts,
  counters: CounterBatch,
): void {
  if (row.attempts > 0 || bot.settings.typingIndicator === false) return;
  const token = ports.secret(bot.accessTokenName);
  if (!token) return;
  const request = indicatorRequest(bot.platform, { apiBase: ports.apiBase(bot), token, target: row.target });
  if (!request) return;
  const failed = () => counters.add('im_indicator_failures_total', { platform: bot.platform, bot: bot.id });
  try {
    ports.send(request).then((res) => {
      if (res.status < 200 || res.status >= 300) failed();
    }, failed);
  } catch {
    failed();
  }
}
