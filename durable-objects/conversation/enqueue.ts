import type { CounterBatch } from '../../workers/im/counters.ts';
import type { BotConfig, ImEvent } from '../../workers/im/types.ts';
import type { ConversationConfig } from './config.ts';
import { forgetUnsent } from './setbacks.ts';
import type { ConversationStore } from './store.ts';

export interface EnqueueResult {
  queued: number;
  duplicates: number;
  /** Replies given up because the bot was removed from the chat. */
  dropped?: number;
}

/** What enqueue admitted that the Conversation acts on at once: callback queries of new taps. */
export interface Admission extends EnqueueResult {
  tapQueries: string[];
}

export interface EnqueueDeps {
  store: ConversationStore;
  config: ConversationConfig;
  counters: CounterBatch;
}

/** Admit a batch of one chat's events into its inbox (dedup by event id), in arrival order. */
export function enqueueEvents(
  deps: EnqueueDeps,
  chatKey: string,
  bot: BotConfig,
  events: ImEvent[],
  now: number,
): Admission {
  deps.store.set('bot', bot);
  deps.store.set('chat_key', chatKey);
  let queued = 0;
  let dropped = 0;
  const tapQueries: string[] = [];
  for (const event of inTimeOrder(events)) {
    if (event.kind === 'left') dropped += dropForRemoval(deps, chatKey, bot, event, now);
    else if (
      event.kind === 'text' &&
      event.text !== undefined &&
      admitText(deps, chatKey, event, event.text, now)
    ) {
      queued++;
      if (event.callbackQueryId) tapQueries.push(event.callbackQueryId);
    }
  }
  return {
    tapQueries,
    queued,
    duplicates: events.filter((e) => e.kind === 'text').length - queued,
    ...(dropped > 0 ? { dropped } : {}),
  };
}

/**
 * The bot was removed from the chat: every send to it would be refused from now on, and retrying
 * them only bills the model, so pending replies are dropped. A redelivered removal, or messages sent
 * after it (the bot added back), leave the inbox alone. Returns how many replies were dropped.
 */
function dropForRemoval(
  deps: EnqueueDeps,
  chatKey: string,
  bot: BotConfig,
  event: ImEvent,
  now: number,
): number {
  if (!deps.store.markSeen(event.eventId, now)) return 0;
  // An answer being sent as the bot is removed, of which nothing went out, leaves no trace in the history.
  const head = deps.store.head();
  if (head && (event.timestampMs <= 0 || head.eventAt <= event.timestampMs)) forgetUnsent(deps.store, head);
  const gone = deps.store.dropPending(event.timestampMs);
  if (gone > 0) {
    console.warn('im bot removed from chat; pending replies dropped', { chat: chatKey, gone });
    deps.counters.add(
      'im_replies_total',
      { platform: bot.platform, bot: bot.id, outcome: 'chat_left' },
      gone,
    );
  }
  return gone;
}

/** Queue a text message unless it was seen already or is too old to dedup. True when queued. */
function admitText(deps: EnqueueDeps, chatKey: string, event: ImEvent, text: string, now: number): boolean {
  if (event.timestampMs > 0 && now - event.timestampMs > deps.config.dedupRetentionMs) {
    // Its dedup record, if it was ever answered, is gone: a signed body replayed this late would
    // be answered (and billed) again. Counted with the duplicates; no platform redelivers so late.
    console.warn('im event older than the dedup window', { chat: chatKey, event: event.eventId });
    return false;
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
  return deps.store.admit(
    {
      eventId: event.eventId,
      text,
      target,
      eventAt: event.timestampMs,
      ...(event.signals ? { signals: event.signals } : {}),
    },
    now,
  );
}

/**
 * One chat's events of a body in the order they happened. Platforms do not promise a batch in order
 * (WhatsApp says so): answers follow the order the person wrote in, and a removal from the chat
 * drops the messages sent before it. A stable sort, so events of the same second keep their order;
 * left alone when any event lacks a time.
 */
function inTimeOrder(events: ImEvent[]): ImEvent[] {
  if (events.some((e) => !(e.timestampMs > 0))) return events;
  return [...events].sort((a, b) => a.timestampMs - b.timestampMs);
}
