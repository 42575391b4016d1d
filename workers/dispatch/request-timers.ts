/** Schedules `fn` after `ms`; returns its cancel. */
export type After = (ms: number, fn: () => void) => () => void;

/** `setTimeout` itself, for work that runs outside a request's own timers. */
export const ownTimer: After = (ms, fn) => {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
};

interface Entry {
  at: number;
  fn: () => void;
  live: boolean;
}

/**
 * One request's deadlines (response headers held, the origin's headers, its first token and idle
 * limits, the limit reservation's renewal) on one runtime timer. Each `setTimeout`/`clearTimeout` pair
 * costs the runtime more than a stream's whole decode of an event, and a request that ends in
 * milliseconds, as most do, cancels deadlines of seconds. The timer is armed once the code scheduling
 * has yielded, for the earliest deadline asked for by then; cancelling only marks an entry. Entries due
 * run when the timer fires, which then re-arms for the next live one.
 */
export class RequestTimers {
  #entries: Entry[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the runtime timer fires (infinity while none is armed). */
  #armedAt = Number.POSITIVE_INFINITY;
  /** The earliest deadline asked for since the timer was last armed or fired. */
  #wantedAt = Number.POSITIVE_INFINITY;
  #syncQueued = false;
  #stopped = false;

  readonly after: After = (ms, fn) => {
    if (this.#stopped) return ownTimer(ms, fn);
    const entry: Entry = { at: Date.now() + Math.max(0, ms), fn, live: true };
    this.#entries.push(entry);
    if (entry.at < this.#wantedAt) {
      this.#wantedAt = entry.at;
      if (!this.#syncQueued) {
        this.#syncQueued = true;
        queueMicrotask(this.#sync);
      }
    }
    return () => {
      entry.live = false;
    };
  };

  /** The request is over: nothing scheduled runs any more (a late caller gets a timer of its own). */
  stop(): void {
    this.#stopped = true;
    this.#entries = [];
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
  }

  /** Arms the runtime timer for the earliest deadline asked for, unless it already fires by then. */
  readonly #sync = (): void => {
    this.#syncQueued = false;
    if (this.#stopped || this.#wantedAt >= this.#armedAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedAt = this.#wantedAt;
    this.#timer = setTimeout(this.#fire, Math.max(1, this.#armedAt - Date.now()));
  };

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    this.#wantedAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    const due: Entry[] = [];
    const later: Entry[] = [];
    for (const entry of this.#entries) {
      if (!entry.live) continue;
      (entry.at <= now ? due : later).push(entry);
    }
    this.#entries = later;
    // A late wake runs what is due in deadline order.
    due.sort((a, b) => a.at - b.at);
    for (const entry of due) {
      // One that ran before it may have cancelled it, or ended the request.
      if (!entry.live || this.#stopped) continue;
      entry.live = false;
      try {
        entry.fn();
      } catch (err) {
        console.error('request timer failed', String(err));
      }
    }
    // Deadlines left, and any the callbacks scheduled: the timer is armed for the earliest.
    for (const entry of this.#entries) if (entry.live && entry.at < this.#wantedAt) this.#wantedAt = entry.at;
    this.#sync();
  };
}
