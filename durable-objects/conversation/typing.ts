import type { CounterBatch } from '../../workers/im/counters.ts';
import { indicatorRequest } from '../../workers/im/send/indicator.ts';
import type { BotConfig } from '../../workers/im/types.ts';
import type { ConversationPorts } from './ports.ts';
import type { InboxRow } from './store.ts';

/**
 * Show "typing…" while the model works on `row`. Best effort: the model call does not wait for it, a
 * failure is only counted, and it is never retried; the returned promise lets the reply wait for it. Only a message's first attempt
 * shows it, so a retry (which may come minutes later) does not flash it again.
 */
export function showTyping(
  row: InboxRow,
  bot: BotConfig,
  ports: ConversationPorts,
  counters: CounterBatch,
): Promise<void> | undefined {
  if (row.attempts > 0 || bot.settings.typingIndicator === false) return undefined;
  const token = ports.secret(bot.accessTokenName);
  if (!token) return undefined;
  const request = indicatorRequest(bot.platform, { apiBase: ports.apiBase(bot), token, target: row.target });
  if (!request) return undefined;
  const failed = () => counters.add('im_indicator_failures_total', { platform: bot.platform, bot: bot.id });
  try {
    return ports.send(request).then((res) => {
      if (res.status < 200 || res.status >= 300) failed();
    }, failed);
  } catch {
    failed();
    return undefined;
  }
}

/**
 * Wait for an indicator still in flight, at most `ms`, before the reply's first part: an indicator
 * that reached the platform after a fast answer would show "typing…" under the answer.
 */
export async function indicatorSettled(typing: Promise<void> | undefined, ms: number): Promise<void> {
  if (!typing || ms <= 0) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([typing, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  if (timer !== undefined) clearTimeout(timer);
}
