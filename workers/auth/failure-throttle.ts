/**
 * Authentication failures per client address in one isolate: past `limit` in a window, unknown
 * credentials from that address are refused without a database lookup until the window ends. Bounds
 * the D1 load a flood of made-up keys can cause; it is no substitute for an edge rate-limiting rule.
 * Pure: the clock is passed in.
 */
export class FailureThrottle {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxClients: number;
  readonly #clients = new Map<string, { count: number; until: number }>();

  constructor(limit: number, windowMs = 60_000, maxClients = 10_000) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#maxClients = maxClients;
  }

  /** No failure is counted for any address (the usual case): nothing can be blocked. */
  get idle(): boolean {
    return this.#clients.size === 0;
  }

  /** Milliseconds until `client` may be looked up again, or undefined when it may now. */
  blockedFor(client: string, now: number): number | undefined {
    if (this.#limit <= 0) return undefined;
    const entry = this.#clients.get(client);
    if (!entry || entry.until <= now || entry.count < this.#limit) return undefined;
    return entry.until - now;
  }

  record(client: string, now: number): void {
    if (this.#limit <= 0) return;
    const entry = this.#clients.get(client);
    if (entry && entry.until > now) {
      entry.count++;
      return;
    }
    // Bounded: under a spread-out flood the table starts over instead of growing.
    if (this.#clients.size >= this.#maxClients) this.#clients.clear();
    this.#clients.set(client, { count: 1, until: now + this.#windowMs });
  }
}
