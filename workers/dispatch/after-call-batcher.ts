/**
 * Isolate-memory batches of after-the-fact Durable Object calls (lease releases, limiter settles), one
 * batch per object name. A pending batch leaves with the next request call to the same object
 * (`take`, piggybacked) or, when none comes, in one call of its own once its oldest item is
 * `windowMs` old. Every item's own timer runs in the context of the request that queued it, and that
 * request's `waitUntil` holds the returned promise, so nothing stays behind when the isolate goes idle.
 * The timer is injected so the policy is testable without waiting.
 */

interface Entry<T> {
  item: T;
  taken: boolean;
}

export type Sleep = (ms: number) => Promise<void>;

const timer: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class AfterCallBatcher<T> {
  readonly windowMs: number;
  readonly #sleep: Sleep;
  readonly #pending = new Map<string, Entry<T>[]>();

  constructor(windowMs: number, sleep: Sleep = timer) {
    this.windowMs = Math.max(0, windowMs);
    this.#sleep = sleep;
  }

  /** Items waiting for `key`. */
  size(key: string): number {
    return this.#pending.get(key)?.length ?? 0;
  }

  /**
   * Queue one item for `key`. After the window the promise settles: at once when the item was taken
   * meanwhile (the taker delivers it, see `take`), else once `send` carried every item then pending
   * for `key`. Workers cannot settle one request's promise from another, hence no wait for a taker.
   */
  async add(key: string, item: T, send: (items: T[]) => Promise<void>): Promise<void> {
    const entry: Entry<T> = { item, taken: false };
    const list = this.#pending.get(key);
    if (list) list.push(entry);
    else this.#pending.set(key, [entry]);
    await this.#sleep(this.windowMs);
    if (!entry.taken) await this.flush(key, send);
  }

  /**
   * Everything pending for `key`, to ride along with a call made anyway. The taker owns delivery: if
   * that call fails, it sends the items again itself (the calls are idempotent).
   */
  take(key: string): T[] {
    const list = this.#pending.get(key);
    if (!list) return [];
    this.#pending.delete(key);
    for (const e of list) e.taken = true;
    return list.map((e) => e.item);
  }

  /** Send everything pending for `key` now, in one call. */
  async flush(key: string, send: (items: T[]) => Promise<void>): Promise<void> {
    const items = this.take(key);
    if (items.length > 0) await send(items);
  }
}
