import type { CounterBatch } from '../../workers/im/counters.ts';
import type { BotConfig, ImEvent } from '../../workers/im/types.ts';
import { prepareAnswer } from './answer.ts';
import { longestWaitMs, SEND_WAIT_CEILING_MS } from './backoff.ts';
import { noteDelivered } from './bot-loop-guard.ts';
import type { ConversationConfig } from './config.ts';
import { deliver } from './delivery.ts';
import { type Admission, enqueueEvents } from './enqueue.ts';
import type { ConversationPorts } from './ports.ts';
import { capReply, capTurns, replyLimit } from './reply-cap.ts';
import { apologize, crashed, forgetUnsent, retryOrApologize } from './setbacks.ts';
import type { ConversationStore, InboxRow } from './store.ts';
import { acknowledgeTaps } from './tap-ack.ts';
import { TypingIndicator } from './typing.ts';

export type { Admission, EnqueueResult } from './enqueue.ts';

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

/**
 * One chat's conversation: admits events (dedup by event id, see enqueue.ts), then answers them
 * strictly in arrival order. A failing head message holds the ones behind it until it is answered or
 * apologized for (see setbacks.ts).
 */
export class ConversationCore {
  readonly #d: CoreDeps;

  constructor(deps: CoreDeps) {
    this.#d = deps;
  }

  enqueue(chatKey: string, bot: BotConfig, events: ImEvent[]): Admission {
    return enqueueEvents(this.#d, chatKey, bot, events, this.#d.now());
  }

  /** Answer the callback queries of taps just admitted (best effort; see tap-ack.ts). */
  acknowledgeTaps(bot: BotConfig, queryIds: string[]): Promise<void> {
    return acknowledgeTaps(queryIds, bot, this.#d.ports, this.#d.counters);
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
        crashed(this.#d, row, bot, err);
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
      // The model took a while: the message may have been dropped meanwhile (counted as such then).
      if (!this.#stillHead(current.seq)) return;
      if (answer.kind === 'unsendable') {
        this.#undeliverable(current.seq, bot, 0, answer.detail);
        return;
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
        const error = `model ${answer.failure.status} ${answer.failure.code}`;
        if (answer.failure.retryable && text === undefined && !tooLong)
          retryOrApologize(this.#d, current, bot, error, answer.failure.retryAfterMs);
        else apologize(this.#d, current, bot, error, text);
        return;
      }
      const limit = replyLimit(bot);
      const { parts, truncated } = capReply(answer.text, limit, config.maxReplyParts);
      if (truncated) counters.add('im_replies_truncated_total', labels);
      const historyFrom = answer.turns
        ? store.appendHistory(
            capTurns(answer.turns, limit, config.maxReplyParts),
            config.historyMessages,
            this.#d.now(),
          )
        : null;
      const progress = { answer: parts, outcome: answer.outcome, partsSent: 0, attempts: 0, historyFrom };
      store.update(current.seq, progress);
      current = { ...current, ...progress };
    }
    await typing.settled(config.indicatorWaitMs);
    if (!this.#stillHead(current.seq)) return;
    // When our reply started out: an answer to it cannot have arrived before.
    const sendingAt = this.#d.now();
    const result = await deliver(current, bot, store, this.#d.ports, this.#d.now);
    // Dropped while a part was out (or before the next): it was counted when it was dropped.
    if (result.kind === 'gone' || !this.#stillHead(current.seq)) return;
    if (result.kind === 'wait') {
      // Paced: the alarm picks the reply up again at `until`, from the stored progress.
      store.update(current.seq, { dueAt: result.until });
      return;
    }
    if (result.kind === 'done') {
      const outcome = current.phase === 'apology' ? 'apology' : (current.outcome ?? 'answered');
      counters.add('im_replies_total', { ...labels, outcome });
      noteDelivered(store, bot, current.answer ?? [], sendingAt);
      store.remove(current.seq);
      return;
    }
    if (result.kind === 'quota') {
      // Retrying cannot succeed before the allowance returns, and an apology would be a push too.
      counters.add('im_replies_total', { ...labels, outcome: 'quota_exhausted' });
      forgetUnsent(store, store.head());
      store.remove(current.seq);
      return;
    }
    counters.add('im_reply_failures_total', { ...labels, stage: 'send' });
    // The row itself, re-read: its progress was written as parts went out.
    const head = store.head();
    if (head?.seq !== current.seq) return;
    if (result.kind === 'retry') {
      // The platform's own wait is kept, even past what a model refusal is retried for.
      retryOrApologize(
        this.#d,
        head,
        bot,
        `send ${result.status} ${result.detail}`,
        result.retryAfterMs,
        SEND_WAIT_CEILING_MS,
      );
    } else {
      // The platform refused for good (blocked bot, bad token): an apology would be refused too.
      this.#undeliverable(current.seq, bot, result.status, result.detail);
    }
  }

  /**
   * Whether `seq` is still the message being handled. While the drain waits (the model, a send), the
   * same object admits webhooks: the bot removed from the chat drops the pending messages, this one
   * included, and nothing more may be written, sent or counted for it.
   */
  #stillHead(seq: number): boolean {
    return this.#d.store.head()?.seq === seq;
  }

  #undeliverable(seq: number, bot: BotConfig, status: number, detail: string): void {
    console.error('im reply undeliverable', { bot: `${bot.platform}:${bot.id}`, status, detail });
    this.#d.counters.add('im_replies_total', {
      platform: bot.platform,
      bot: bot.id,
      outcome: 'undeliverable',
    });
    const head = this.#d.store.head();
    if (head?.seq === seq) forgetUnsent(this.#d.store, head);
    this.#d.store.remove(seq);
  }
}
