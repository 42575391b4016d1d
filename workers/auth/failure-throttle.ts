/**
 * Authentication failures per client address in one isolate: past `limit` in a window, unknown
 * credentials from that address are refused without a database lookup until the window ends. Bounds
 * the D1 load a flood of made-up keys can cause; it is no substitute for an edge rate-limiting rule.
 * Pure: the clock is passed in.
 *
 * Addresses still counting and addresses blocked are kept apart, each bounded to `maxClients` with the
 * oldest window dropped first: a flood of one-off addresses only ever pushes out other counts, never a
 * block (an attacker spread over many IPv6 /64s cannot free its own blocked addresses that way).
 */
export class FailureThrottle {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxClients: number;
  /** Insertion order is window order: each entry is (re)inserted when its window starts. */
  readonly #counting = new Map<string, { count: number; until: number }>();
  readonly #blocked = new Map<string, { until: number }>();

  constructor(limit: number, windowMs = 60_000, maxClients = 10_000) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#maxClients = maxClients;
  }

  /** No failure is counted for any address (the usual case): nothing can be blocked. */
  get idle(): boolean {
    return this.#counting.size === 0 && this.#blocked.size === 0;
  }

  /** Milliseconds until `client` may be looked up again, or undefined when it may now. */
  blockedFor(client: string, now: number): number | undefined {
    if (this.#limit <= 0) return undefined;
    const entry = this.#blocked.get(client);
    if (!entry || entry.until <= now) return undefined;
    return entry.until - now;
  }

  record(client: string, now: number): void {
    if (this.#limit <= 0) return;
    const blocked = this.#blocked.get(client);
    if (blocked && blocked.until > now) return; // already blocked for this window
    if (blocked) this.#blocked.delete(client);
    const entry = this.#counting.get(client);
    if (entry && entry.until > now) {
      entry.count++;
      if (entry.count >= this.#limit) {
        this.#counting.delete(client);
        put(this.#blocked, client, { until: entry.until }, this.#maxClients);
      }
      return;
    }
    const until = now + this.#windowMs;
    if (this.#limit <= 1) {
      this.#counting.delete(client);
      put(this.#blocked, client, { until }, this.#maxClients);
    } else {
      put(this.#counting, client, { count: 1, until }, this.#maxClients);
    }
  }
}

/** Set `key` as the newest entry, dropping the oldest when the map is full. */
function put<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}
