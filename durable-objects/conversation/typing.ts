import type { CounterBatch } from '../../workers/im/counters.ts';
import { indicatorRequest } from '../../workers/im/send/indicator.ts';
import type { BotConfig } from '../../workers/im/types.ts';
import type { ConversationPorts } from './ports.ts';
import type { InboxRow } from './store.ts';

/**
 * "typing…" while the model works on `row`. Best effort: the model call does not wait for it, a
 * failure is only counted, and a failed call is never retried. Only a message's first attempt shows
 * it, so a retry (which may come minutes later) does not flash it again. Telegram's status fades
 * after 5 s, so there it is sent again every `refreshMs` until the answer is ready.
 */
export class TypingIndicator {
  readonly #row: InboxRow;
  readonly #bot: BotConfig;
  readonly #ports: ConversationPorts;
  readonly #counters: CounterBatch;
  readonly #refreshMs: number;
  #latest: Promise<void> | undefined;
  #refresh: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  constructor(
    row: InboxRow,
    bot: BotConfig,
    ports: ConversationPorts,
    counters: CounterBatch,
    refreshMs: number,
  ) {
    this.#row = row;
    this.#bot = bot;
    this.#ports = ports;
    this.#counters = counters;
    this.#refreshMs = bot.platform === 'telegram' ? refreshMs : 0;
  }

  /** Show it now (once the message is known to go to the model). */
  start(): void {
    if (this.#row.attempts > 0 || this.#bot.settings.typingIndicator === false) return;
    if (!this.#send()) return;
    if (this.#refreshMs > 0 && !this.#stopped)
      this.#refresh = setInterval(() => this.#send(), this.#refreshMs);
  }

  /** The answer is ready (or failed): no more refreshes. */
  stop(): void {
    this.#stopped = true;
    if (this.#refresh !== undefined) clearInterval(this.#refresh);
    this.#refresh = undefined;
  }

  /**
   * Wait for the last indicator call still in flight, at most `ms`, before the reply's first part: an
   * indicator that reached the platform after a fast answer would show "typing…" under the answer.
   */
  async settled(ms: number): Promise<void> {
    const latest = this.#latest;
    if (!latest || ms <= 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([latest, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    if (timer !== undefined) clearTimeout(timer);
  }

  /** One indicator call; false when the platform has none for this chat (or no token is set). */
  #send(): boolean {
    const bot = this.#bot;
    const token = this.#ports.secret(bot.accessTokenName);
    if (!token) return false;
    const request = indicatorRequest(bot.platform, {
      apiBase: this.#ports.apiBase(bot),
      token,
      target: this.#row.target,
    });
    if (!request) return false;
    const failed = () =>
      this.#counters.add('im_indicator_failures_total', { platform: bot.platform, bot: bot.id });
    try {
      this.#latest = this.#ports.send(request).then((res) => {
        if (res.status < 200 || res.status >= 300) failed();
      }, failed);
    } catch {
      failed();
    }
    return true;
  }
}
