/**
 * Isolate-memory cache with a hard TTL and a size bound. The TTL is the bound on how stale an answer
 * may be (a revoked key passes for at most that long): an expired entry is never served.
 *
 * `getOrLoad` refreshes ahead: a hit past half its TTL is still served, and the loader runs once in
 * the background, so steady traffic never waits for the store while the bound still holds.
 */
/** Runs work past the response (`waitUntil`): lets cached data be refreshed before it expires. */
export type Background = (work: Promise<unknown>) => void;

export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expires: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #refreshing = new Set<string>();
  /** Bumped by delete/clear, so a load that began before them cannot put back what they removed. */
  #generation = 0;

  constructor(ttlMs: number, maxEntries = 10_000, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /**
   * The cached value, or `load()`'s, which is then cached. With `background` (a `waitUntil`), a hit
   * in the second half of its TTL also starts one background `load` to replace it.
   */
  async getOrLoad(key: string, load: () => Promise<V>, background?: Background): Promise<V> {
    const entry = this.#entries.get(key);
    const now = this.#now();
    if (entry && entry.expires > now) {
      if (background && entry.expires - now <= this.#ttlMs / 2 && !this.#refreshing.has(key)) {
        this.#refreshing.add(key);
        background(
          this.#loadInto(key, load)
            .catch(() => {}) // a failed refresh leaves the entry to expire; the next miss loads again
            .finally(() => this.#refreshing.delete(key)),
        );
      }
      return entry.value;
    }
    return this.#loadInto(key, load);
  }

  /** `load()`'s value, whatever is cached, which it then replaces (under the same rules as a miss's load). */
  reload(key: string, load: () => Promise<V>): Promise<V> {
    return this.#loadInto(key, load);
  }

  set(key: string, value: V): void {
    this.#put(key, value, this.#now() + this.#ttlMs);
  }

  delete(key: string): void {
    this.#generation++;
    this.#entries.delete(key);
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }

  /**
   * The entry's life counts from when the load began, not when it ended, so a slow store cannot stretch
   * the bound; and a load never replaces an entry read later than itself.
   */
  async #loadInto(key: string, load: () => Promise<V>): Promise<V> {
    const generation = this.#generation;
    const expires = this.#now() + this.#ttlMs;
    const value = await load();
    const current = this.#entries.get(key);
    if (generation === this.#generation && !(current && current.expires >= expires))
      this.#put(key, value, expires);
    return value;
  }

  #put(key: string, value: V, expires: number): void {
    if (this.#entries.size >= this.#maxEntries && !this.#entries.has(key)) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.delete(key); // re-insert, so insertion order stays the age order
    this.#entries.set(key, { value, expires });
  }
}
