/** How long a model's context size, once learnt, is used without asking again. */
const LEARNT_TTL_MS = 5 * 60_000;
/** After a failed lookup, how long the chat goes without asking (its messages use the configured budget). */
const FAILED_TTL_MS = 30_000;
/** Bound on the sizes kept (one object serves one chat, so a handful at most in practice). */
const MAX_ENTRIES = 64;

/** What a lookup found: `ok: false` when the registry could not be asked (busy, down, refused). */
export type ContextLookup = { ok: true; contextLength: number | undefined } | { ok: false };

/**
 * Context sizes per key and model, learnt from the registry. A failed lookup is remembered for a short
 * while too, so that a slow gateway does not hold every message of a chat for another timeout.
 * Pure: the loader and the clock are passed in.
 */
export class ContextCache {
  readonly #entries = new Map<string, { contextLength: number | undefined; until: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async get(key: string, load: () => Promise<ContextLookup>): Promise<number | undefined> {
    const now = this.#now();
    const known = this.#entries.get(key);
    if (known && now < known.until) return known.contextLength;
    const found = await load();
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
    this.#entries.set(
      key,
      found.ok
        ? { contextLength: found.contextLength, until: now + LEARNT_TTL_MS }
        : { contextLength: undefined, until: now + FAILED_TTL_MS },
    );
    return found.ok ? found.contextLength : undefined;
  }
}
