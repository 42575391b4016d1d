import { TtlCache } from '../data/ttl-cache.ts';
import type { BotConfig } from './types.ts';

/**
 * Bots read for webhooks, and ids found to be no bot, kept apart: webhooks are unauthenticated, so a
 * loop of made-up ids must not push the real bots out (each would then cost a D1 read again). Misses
 * are remembered too (a platform keeps redelivering to a deleted bot), in a smaller table of their own.
 */
export class BotCache {
  readonly #found: TtlCache<BotConfig>;
  readonly #missing: TtlCache<true>;

  constructor(ttlMs: number, maxBots = 1000, maxMisses = 256, now: () => number = Date.now) {
    this.#found = new TtlCache<BotConfig>(ttlMs, maxBots, now);
    this.#missing = new TtlCache<true>(ttlMs, maxMisses, now);
  }

  /** The bot, `null` when the id is known to be no bot, `undefined` when it must be looked up. */
  get(key: string): BotConfig | null | undefined {
    const bot = this.#found.get(key);
    if (bot !== undefined) return bot;
    return this.#missing.get(key) ? null : undefined;
  }

  set(key: string, bot: BotConfig | null): void {
    if (bot) this.#found.set(key, bot);
    else this.#missing.set(key, true);
  }

  clear(): void {
    this.#found.clear();
    this.#missing.clear();
  }
}
