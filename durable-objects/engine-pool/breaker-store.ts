import type { KeptBreaker } from './kept-breaker.ts';
import type { PoolCore } from './pool-core.ts';
import { readBreakers, writeBreaker } from './pool-tables.ts';

/**
 * The pool object's breakers in SQLite: what is kept of each origin's breaker (see kept-breaker.ts),
 * written whenever a breaker's version moves, so state and deadlines survive eviction and restarts.
 * A write that fails never fails the call that changed the breaker (its grant would reach nobody and
 * hold its slot until the lease expired): the change holds in memory and is written again with the
 * next call, and the failures are counted in the pool's live state.
 */
export class BreakerStore {
  readonly #storage: DurableObjectStorage;
  /** Kept breakers by origin id, as stored; the core reads them when a config (re)creates origins. */
  readonly saved = new Map<string, KeptBreaker>();
  /** Ids of removed origins whose row could not be written yet. */
  readonly #unstored = new Set<string>();
  /** Writes that failed since the object started. */
  failures = 0;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  load(): void {
    for (const [id, kept] of readBreakers(this.#storage.sql)) this.saved.set(id, kept);
  }

  /** Store every breaker that changed since it was last stored, and what is kept of removed origins. */
  storeChanges(core: PoolCore): void {
    this.storeKept(core);
    for (const slot of core.slots.values()) {
      if (slot.breaker.version === slot.persistedVersion) continue;
      const kept: KeptBreaker = { snapshot: slot.breaker.snapshot(), url: slot.url };
      this.saved.set(slot.id, kept);
      if (this.#write(slot.id, kept)) slot.persistedVersion = slot.breaker.version;
    }
  }

  /** Breakers of origins that left the config: stored as what remains of them (see kept-breaker.ts). */
  storeKept(core: PoolCore): void {
    for (const id of core.takeKeptChanges()) this.#unstored.add(id);
    // Checked first: most calls have nothing to write, and should not pay for an iterator.
    if (this.#unstored.size === 0) return;
    for (const id of this.#unstored) if (this.#write(id, this.saved.get(id))) this.#unstored.delete(id);
  }

  /** `reset` of an origin no longer in the config: clears its kept isolation. Nothing kept: not ok. */
  clearRemoved(core: PoolCore, originId: string): { ok: boolean; removed?: boolean } {
    if (core.config === undefined || !this.saved.get(originId)?.removed) return { ok: false };
    this.saved.delete(originId);
    if (!this.#write(originId, undefined)) this.#unstored.add(originId);
    return { ok: true, removed: true };
  }

  /** Ids of removed origins whose isolation is kept: invisible otherwise, yet applied if they come back. */
  keptIsolations(core: PoolCore): string[] {
    return [...this.saved]
      .filter(([id, k]) => k.removed && !core.slots.has(id))
      .map(([id]) => id)
      .sort();
  }

  clear(): void {
    this.saved.clear();
    this.#unstored.clear();
  }

  #write(originId: string, kept: KeptBreaker | undefined): boolean {
    try {
      writeBreaker(this.#storage.sql, originId, kept);
      return true;
    } catch (err) {
      this.failures++;
      console.error('engine pool: breaker store failed', String(err));
      return false;
    }
  }
}
