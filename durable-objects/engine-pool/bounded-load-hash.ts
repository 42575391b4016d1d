/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam): a key maps to the first
 * origin clockwise on the ring whose load is under `loadFactor` × the average, so a conversation keeps
 * its origin (and its KV-cache prefix) while that origin is not overloaded, and spills to the next
 * one on the ring when it is. Pure and deterministic.
 */

const VNODES = 64;

export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32): fnv alone clusters similar short keys.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface LoadView {
  /** Whether the origin can take a request at all (breaker, health, capacity). */
  eligible(id: string): boolean;
  /** Current load relative to capacity (in-flight / capacity). */
  load(id: string): number;
}

export class HashRing {
  readonly #points: number[] = [];
  readonly #owners: string[] = [];
  readonly ids: readonly string[];

  constructor(ids: readonly string[], vnodes = VNODES) {
    this.ids = [...ids];
    const entries: [number, string][] = [];
    for (const id of ids) for (let v = 0; v < vnodes; v++) entries.push([fnv1a(`${id}#${v}`), id]);
    entries.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
    for (const [point, id] of entries) {
      this.#points.push(point);
      this.#owners.push(id);
    }
  }

  /** First ring position at or after the key's hash (binary search). */
  #start(hash: number): number {
    let lo = 0;
    let hi = this.#points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#points[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo % Math.max(1, this.#points.length);
  }

  /** The origin the key belongs to when load is ignored. */
  home(key: string): string | undefined {
    if (this.#points.length === 0) return undefined;
    return this.#owners[this.#start(fnv1a(key))];
  }

  /**
   * The key's origin under the load bound. Eligible origins over the bound are passed over; when
   * every eligible origin is over it, the least loaded eligible one wins. Undefined: none eligible.
   */
  pick(key: string, view: LoadView, loadFactor: number): string | undefined {
    if (this.#points.length === 0) return undefined;
    let total = 0;
    let count = 0;
    for (const id of this.ids) {
      if (!view.eligible(id)) continue;
      total += view.load(id);
      count++;
    }
    if (count === 0) return undefined;
    const bound = (loadFactor * total) / count;
    const start = this.#start(fnv1a(key));
    const seen = new Set<string>();
    let fallback: string | undefined;
    for (let i = 0; i < this.#points.length && seen.size < this.ids.length; i++) {
      const id = this.#owners[(start + i) % this.#points.length]!;
      if (seen.has(id)) continue;
      seen.add(id);
      if (!view.eligible(id)) continue;
      // Every origin at zero load is under any bound (the average may be zero too).
      if (view.load(id) <= bound) return id;
      if (fallback === undefined || view.load(id) < view.load(fallback)) fallback = id;
    }
    return fallback;
  }
}
