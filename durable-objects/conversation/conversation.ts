import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../workers/env.ts';
import { CounterBatch } from '../../workers/im/counters.ts';
import type { BotConfig, ImEvent } from '../../workers/im/types.ts';
import { conversationConfig } from './config.ts';
import { ConversationCore, type EnqueueResult } from './core.ts';
import { gatewayPorts } from './gateway-ports.ts';
import type { ConversationPorts } from './ports.ts';
import { ConversationStore } from './store.ts';

/** A drain that failed is tried again after this long, however often it fails. */
const FAILED_DRAIN_RETRY_MS = 30_000;

/**
 * One chat (`<platform>:<botId>:<chatId>`). Webhooks hand events over with `enqueue`, which is durable
 * once it returns; the alarm drains the inbox in order. The constructor re-arms a missing alarm, so
 * queued work resumes after an eviction or a restart.
 */
export class Conversation extends DurableObject<Env> {
  readonly #store: ConversationStore;
  readonly #counters = new CounterBatch();
  readonly #ports: ConversationPorts;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new ConversationStore(ctx.storage.sql);
    this.#ports = gatewayPorts(env, conversationConfig(env));
    ctx.blockConcurrencyWhile(async () => {
      if (this.#store.backlog() > 0 && (await ctx.storage.getAlarm()) === null) {
        await ctx.storage.setAlarm(Date.now());
      }
    });
  }

  async enqueue(chatKey: string, bot: BotConfig, events: ImEvent[]): Promise<EnqueueResult> {
    const core = this.#core();
    const { tapQueries, ...result } = core.enqueue(chatKey, bot, events);
    if (tapQueries.length > 0) {
      // Not awaited: the webhook's answer must not wait on Telegram; the object stays up until it ends.
      this.ctx.waitUntil(
        core
          .acknowledgeTaps(bot, tapQueries)
          .then(() => this.#counters.flush(this.env.DB))
          .catch((err) => console.error('im tap acknowledgement failed', err)),
      );
    }
    if (result.dropped) {
      await this.#counters.flush(this.env.DB).catch((err) => console.error('im counters flush failed', err));
    }
    if (result.queued > 0) {
      const alarm = await this.ctx.storage.getAlarm();
      if (alarm === null || alarm > Date.now()) await this.ctx.storage.setAlarm(Date.now());
    } else if (
      result.duplicates > 0 &&
      this.#store.backlog() > 0 &&
      (await this.ctx.storage.getAlarm()) === null
    ) {
      // A redelivery finds work waiting and no alarm to do it (one given up after failing runs): one more.
      await this.ctx.storage.setAlarm(Date.now());
    }
    return result;
  }

  override async alarm(): Promise<void> {
    try {
      const next = await this.#core().drain();
      if (next !== undefined) await this.ctx.storage.setAlarm(next);
    } catch (err) {
      // Thrown, the runtime would retry a few times and then drop the alarm, leaving messages already
      // acknowledged to the platform until the chat writes again; caught, the drain is tried again.
      console.error(
        JSON.stringify({
          level: 'error',
          event: 'im_drain_failed',
          conversation: this.ctx.id.toString(),
          error: String(err),
        }),
      );
      await this.ctx.storage.setAlarm(Date.now() + FAILED_DRAIN_RETRY_MS);
    }
    await this.#counters.flush(this.env.DB).catch((err) => console.error('im counters flush failed', err));
  }

  #core(): ConversationCore {
    return new ConversationCore({
      store: this.#store,
      ports: this.#ports,
      config: conversationConfig(this.env),
      counters: this.#counters,
      now: Date.now,
    });
  }
}
