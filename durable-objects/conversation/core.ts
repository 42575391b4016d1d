import { MESSAGES } from '../../workers/im/commands.ts';
import type { CounterBatch } from '../../workers/im/counters.ts';
import { TEXT_LIMIT } from '../../workers/im/send/types.ts';
import { splitMessage } from '../../workers/im/split-message.ts';
import type { BotConfig, ImEvent } from '../../workers/im/types.ts';
import { prepareAnswer } from './answer.ts';
import { longestWaitMs, retryDelay } from './backoff.ts';
import type { ConversationConfig } from './config.ts';
import { deliver } from './delivery.ts';
import type { ConversationPorts } from './ports.ts';
import { capReply, capTurns } from './reply-cap.ts';
import type { ConversationStore, InboxRow } from './store.ts';
import { TypingIndicator } from './typing.ts';

export interface CoreDeps {
  store: ConversationStore;
  ports: ConversationPorts;
  config: ConversationConfig;
  counters: CounterBatch;
  now: () => number;
  random?: () => number;
  /** Bound on messages handled per drain pass, so one alarm never runs unbounded. */
  maxPerPass?: number;
}

export interface EnqueueResult {
  queued: number;
  duplicates: number;
  /** Replies given up because the bot was removed from the chat. */
  dropped?: number;
}

/**
 * One chat's conversation: admits events (dedup by event id), then answers them strictly in arrival
 * order. A failing head message holds the ones behind it until it is answered or apologized for.
 */
export class ConversationCore {
  readonly #d: CoreDeps;

  constructor(deps: CoreDeps) {
    this.#d = deps;
  }

  enqueue(chatKey: string, bot: BotConfig, events: ImEvent[]): EnqueueResult {
    const now = this.#d.now();
    this.#d.store.set('bot', bot);
    this.#d.store.set('chat_key', chatKey);
    let queued = 0;
    let dropped = 0;
    for (const event of events) {
      if (event.kind === 'left') {
        // Every send to the chat would be refused from now on: retrying them only bills the model.
        // A redelivered removal, or messages sent after it (the bot added back), leave the inbox alone.
        if (!this.#d.store.markSeen(event.eventId, now)) continue;
        const gone = this.#d.store.dropPending(event.timestampMs);
        if (gone > 0) {
          console.warn('im bot removed from chat; pending replies dropped', { chat: chatKey, gone });
          this.#d.counters.add(
            'im_replies_total',
            { platform: bot.platform, bot: bot.id, outcome: 'chat_left' },
            gone,
          );
        }
        dropped += gone;
        continue;
      }
      if (event.kind !== 'text' || event.text === undefined) continue;
      if (event.timestampMs > 0 && now - event.timestampMs > this.#d.config.dedupRetentionMs) {
        // Its dedup record, if it was ever answered, is gone: a signed body replayed this late would
        // be answered (and billed) again. Counted with the duplicates; no platform redelivers so late.
        console.warn('im event older than the dedup window', { chat: chatKey, event: event.eventId });
        continue;
      }
      const target = {
        eventId: event.eventId,
        chatId: event.chatId,
        ...(event.address ? { address: event.address } : {}),
        ...(event.messageId ? { messageId: event.messageId } : {}),
        ...(event.channelId ? { channelId: event.channelId } : {}),
        ...(event.replyToken ? { replyToken: event.replyToken } : {}),
        ...(event.threadId ? { threadId: event.threadId } : {}),
        ...(event.group ? { group: true } : {}),
      };
      if (
        this.#d.store.admit(
          {
            eventId: event.eventId,
            text: event.text,
            target,
            eventAt: event.timestampMs,
            ...(event.signals ? { signals: event.signals } : {}),
          },
          now,
        )
      ) {
        queued++;
      }
    }
    return {
      queued,
      duplicates: events.filter((e) => e.kind === 'text').length - queued,
      ...(dropped > 0 ? { dropped } : {}),
    };
  }

  /** Handle every due message in order; returns when the next alarm should fire (undefined: never). */
  async drain(): Promise<number | undefined> {
    const { store, config } = this.#d;
    const bot = store.get<BotConfig>('bot');
    const chatKey = store.get<string>('chat_key') ?? '';
    const max = this.#d.maxPerPass ?? 50;
    const started = this.#d.now();
    for (let handled = 0; bot && handled < max; handled++) {
      const row = store.head();
      if (!row) break;
      if (row.dueAt > this.#d.now()) return row.dueAt;
      if (this.#d.now() - started >= config.passBudgetMs) break;
      try {
        await this.#handle(row, bot, chatKey);
      } catch (err) {
        this.#crashed(row, bot, err);
      }
    }
    const head = store.head();
    if (head) return Math.max(head.dueAt, this.#d.now());
    return store.purge(this.#d.now(), config.historyRetentionMs, config.dedupRetentionMs);
  }

  async #handle(row: InboxRow, bot: BotConfig, chatKey: string): Promise<void> {
    const { store, counters, config } = this.#d;
    const labels = { platform: bot.platform, bot: bot.id };
    let current = row;
    const typing = new TypingIndicator(row, bot, this.#d.ports, counters, config.indicatorRefreshMs);
    if (current.answer === null) {
      let answer: Awaited<ReturnType<typeof prepareAnswer>>;
      try {
        answer = await prepareAnswer(current, {
          bot,
          chatKey,
          store,
          ports: this.#d.ports,
          config,
          now: this.#d.now(),
          beforeModel: () => typing.start(),
        });
      } finally {
        typing.stop();
      }
      if (answer.kind === 'drop') {
        counters.add('im_replies_total', { ...labels, outcome: answer.outcome });
        store.remove(current.seq);
        return;
      }
      if (answer.kind === 'failed') {
        counters.add('im_reply_failures_total', { ...labels, stage: 'model' });
        const text = answer.apology;
        const tooLong = (answer.failure.retryAfterMs ?? 0) > longestWaitMs(config.retryMaxMs);
        if (answer.failure.retryable && text === undefined && !tooLong) {
          this.#retryOrApologize(
            current,
            bot,
            `model ${answer.failure.status} ${answer.failure.code}`,
            answer.failure.retryAfterMs,
          );
        } else {
          this.#apologize(current, bot, `model ${answer.failure.status} ${answer.failure.code}`, text);
        }
        return;
      }
      const limit = this.#limit(bot);
      const { parts, truncated } = capReply(answer.text, limit, config.maxReplyParts);
      if (truncated) counters.add('im_replies_truncated_total', labels);
      if (answer.turns) {
        const turns = capTurns(answer.turns, limit, config.maxReplyParts);
        store.appendHistory(turns, config.historyMessages, this.#d.now());
      }
      store.update(current.seq, { answer: parts, outcome: answer.outcome, partsSent: 0, attempts: 0 });
      current = { ...current, answer: parts, outcome: answer.outcome, partsSent: 0, attempts: 0 };
    }
    await typing.settled(config.indicatorWaitMs);
    const result = await deliver(current, bot, store, this.#d.ports, this.#d.now);
    if (result.kind === 'wait') {
      // Paced: the alarm picks the reply up again at `until`, from the stored progress.
      store.update(current.seq, { dueAt: result.until });
      return;
    }
    if (result.kind === 'done') {
      const outcome = current.phase === 'apology' ? 'apology' : (current.outcome ?? 'answered');
      counters.add('im_replies_total', { ...labels, outcome });
      this.#finish(current);
      return;
    }
    counters.add('im_reply_failures_total', { ...labels, stage: 'send' });
    // The row itself, re-read: it may have been dropped meanwhile (the bot removed from the chat).
    const head = store.head();
    if (head?.seq !== current.seq) return;
    const fresh = head;
    if (result.kind === 'retry') {
      this.#retryOrApologize(fresh, bot, `send ${result.status} ${result.detail}`, result.retryAfterMs);
    } else {
      // The platform refused for good (blocked bot, bad token): an apology would be refused too.
      console.error('im reply undeliverable', {
        bot: `${bot.platform}:${bot.id}`,
        status: result.status,
        detail: result.detail,
      });
      counters.add('im_replies_total', { ...labels, outcome: 'undeliverable' });
      this.#finish(current);
    }
  }

  /**
   * An unexpected exception (a storage write refused, a bug) while handling `row`: count and log it,
   * then treat it like a failed attempt, so the message is retried with backoff and finally
   * apologized for or given up, and the chat's later messages are never held behind it.
   */
  #crashed(row: InboxRow, bot: BotConfig, err: unknown): void {
    const error = `internal ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`.slice(
      0,
      300,
    );
    console.error('im reply failed unexpectedly', { bot: `${bot.platform}:${bot.id}`, error });
    this.#d.counters.add('im_reply_failures_total', {
      platform: bot.platform,
      bot: bot.id,
      stage: 'internal',
    });
    const fresh = this.#d.store.head();
    this.#retryOrApologize(fresh?.seq === row.seq ? fresh : row, bot, error);
  }

  #retryOrApologize(row: InboxRow, bot: BotConfig, error: string, retryAfterMs?: number): void {
    const attempts = row.attempts + 1;
    if (attempts < this.#d.config.maxAttempts) {
      const delay = retryDelay(
        attempts,
        { baseMs: this.#d.config.retryBaseMs, maxMs: this.#d.config.retryMaxMs },
        retryAfterMs,
        this.#d.random,
      );
      this.#d.store.update(row.seq, { attempts, dueAt: this.#d.now() + delay, lastError: error });
      return;
    }
    if (row.phase === 'apology') {
      console.error('im apology undeliverable', { bot: `${bot.platform}:${bot.id}`, error });
      this.#d.counters.add('im_replies_total', {
        platform: bot.platform,
        bot: bot.id,
        outcome: 'undeliverable',
      });
      this.#finish(row);
      return;
    }
    this.#apologize(row, bot, error);
  }

  /** Switch the row to a short apology, sent right away with its own bounded retries. */
  #apologize(row: InboxRow, bot: BotConfig, error: string, text: string = MESSAGES.apology): void {
    this.#d.store.update(row.seq, {
      phase: 'apology',
      answer: splitMessage(text, this.#limit(bot)),
      partsSent: 0,
      attempts: 0,
      dueAt: this.#d.now(),
      lastError: error,
    });
  }

  #finish(row: InboxRow): void {
    this.#d.store.remove(row.seq);
  }

  #limit(bot: BotConfig): number {
    const own = bot.settings.maxMessageChars;
    const platform = TEXT_LIMIT[bot.platform];
    return typeof own === 'number' && own > 0 ? Math.min(own, platform) : platform;
  }
}
