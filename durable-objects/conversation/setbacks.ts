import { MESSAGES } from '../../workers/im/commands.ts';
import type { CounterBatch } from '../../workers/im/counters.ts';
import { splitMessage } from '../../workers/im/split-message.ts';
import type { BotConfig } from '../../workers/im/types.ts';
import { retryDelay } from './backoff.ts';
import type { ConversationConfig } from './config.ts';
import { replyLimit } from './reply-cap.ts';
import type { ConversationStore, InboxRow } from './store.ts';

/** What a failed attempt at a message changes: its inbox row, counters and the log. */
export interface SetbackDeps {
  store: ConversationStore;
  config: ConversationConfig;
  counters: CounterBatch;
  now: () => number;
  random?: () => number;
}

/**
 * An unexpected exception (a storage write refused, a bug) while handling `row`: count and log it,
 * then treat it like a failed attempt, so the message is retried with backoff and finally
 * apologized for or given up, and the chat's later messages are never held behind it.
 */
export function crashed(d: SetbackDeps, row: InboxRow, bot: BotConfig, err: unknown): void {
  const error = `internal ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`.slice(
    0,
    300,
  );
  console.error('im reply failed unexpectedly', { bot: `${bot.platform}:${bot.id}`, error });
  d.counters.add('im_reply_failures_total', { platform: bot.platform, bot: bot.id, stage: 'internal' });
  const fresh = d.store.head();
  retryOrApologize(d, fresh?.seq === row.seq ? fresh : row, bot, error);
}

/**
 * Try the message again after a backoff, or, out of attempts, apologize (or give up an apology). A
 * Retry-After is waited out up to `waitCeilingMs` (see retryDelay).
 */
export function retryOrApologize(
  d: SetbackDeps,
  row: InboxRow,
  bot: BotConfig,
  error: string,
  retryAfterMs?: number,
  waitCeilingMs?: number,
): void {
  const attempts = row.attempts + 1;
  if (attempts < d.config.maxAttempts) {
    const delay = retryDelay(
      attempts,
      { baseMs: d.config.retryBaseMs, maxMs: d.config.retryMaxMs },
      retryAfterMs,
      d.random,
      waitCeilingMs,
    );
    d.store.update(row.seq, { attempts, dueAt: d.now() + delay, lastError: error });
    return;
  }
  if (row.phase === 'apology') {
    console.error('im apology undeliverable', { bot: `${bot.platform}:${bot.id}`, error });
    d.counters.add('im_replies_total', { platform: bot.platform, bot: bot.id, outcome: 'undeliverable' });
    d.store.remove(row.seq);
    return;
  }
  apologize(d, row, bot, error);
}

/** Switch the row to a short apology, sent right away with its own bounded retries. */
export function apologize(
  d: SetbackDeps,
  row: InboxRow,
  bot: BotConfig,
  error: string,
  text: string = MESSAGES.apology,
): void {
  // The apology stands in for an answer nobody saw: the exchange is not kept in the history.
  forgetUnsent(d.store, row);
  d.store.update(row.seq, {
    phase: 'apology',
    answer: splitMessage(text, replyLimit(bot)),
    partsSent: 0,
    attempts: 0,
    dueAt: d.now(),
    lastError: error,
  });
}

/**
 * Take back the history a message's answer was appended as, while no part of it reached the chat (it
 * is refused for good, out of quota, or replaced by an apology): the model must not be told of a reply
 * the user never saw. A partly delivered answer stays.
 */
export function forgetUnsent(store: ConversationStore, row: InboxRow | undefined): void {
  if (!row || row.historyFrom === null || row.partsSent > 0 || row.phase !== 'reply') return;
  store.forgetHistoryFrom(row.historyFrom);
  store.update(row.seq, { historyFrom: null });
}
