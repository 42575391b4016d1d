import { HISTOGRAM_BOUNDS_MS, type Histogram, type Percentiles } from './types.ts';

const RECENT = 256;

/** A fixed-bucket histogram (cumulative on read) plus a ring of recent samples for percentiles. */
export class LatencyTrack {
  readonly #counts = new Array<number>(HISTOGRAM_BOUNDS_MS.length + 1).fill(0);
  readonly #recent: number[] = [];
  #next = 0;
  #sum = 0;
  #count = 0;

  add(ms: number): void {
    let i = 0;
    while (i < HISTOGRAM_BOUNDS_MS.length && ms > HISTOGRAM_BOUNDS_MS[i]!) i++;
    this.#counts[i]!++;
    this.#sum += ms;
    this.#count++;
    if (this.#recent.length < RECENT) this.#recent.push(ms);
    else this.#recent[this.#next] = ms;
    this.#next = (this.#next + 1) % RECENT;
  }

  histogram(): Histogram {
    const buckets: number[] = [];
    let running = 0;
    for (const c of this.#counts) {
      running += c;
      buckets.push(running);
    }
    return { buckets, sum: this.#sum, count: this.#count };
  }

  /** Percentiles of the last samples (sorted on read: reads are rare, writes are per request). */
  percentiles(): Percentiles {
    const n = this.#recent.length;
    if (n === 0) return { count: 0 };
    const sorted = [...this.#recent].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(n - 1, Math.ceil(q * n) - 1)]!;
    return { count: n, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
  }
}

/** Counters and timings of one origin, in the pool object's memory (reset on eviction, like any counter). */
export class OriginStats {
  readonly outcomes: Record<string, number> = {};
  readonly latency = new LatencyTrack();
  readonly ttft = new LatencyTrack();

  count(kind: string): void {
    this.outcomes[kind] = (this.outcomes[kind] ?? 0) + 1;
  }
}

/** Slot releases per second over a short sliding window: what an honest Retry-After is computed from. */
export class DrainRate {
  readonly #buckets = new Array<number>(10).fill(0);
  readonly #epochs = new Array<number>(10).fill(-1);

  add(now: number): void {
    const b = Math.floor(now / 1000);
    const i = b % 10;
    if (this.#epochs[i] !== b) {
      this.#epochs[i] = b;
      this.#buckets[i] = 0;
    }
    this.#buckets[i]!++;
  }

  /**
   * Releases per second since the oldest second of the window that saw one (at least 1 s): a pool
   * that got busy 2 s ago drains at the pace of those 2 s, not at a fifth of it (a Retry-After 5x
   * too long); a steady pool is averaged over the whole window.
   */
  perSecond(now: number): number {
    const current = Math.floor(now / 1000);
    let n = 0;
    let oldest = current;
    for (let i = 0; i < 10; i++) {
      if (current - this.#epochs[i]! >= 10 || this.#buckets[i] === 0) continue;
      n += this.#buckets[i]!;
      oldest = Math.min(oldest, this.#epochs[i]!);
    }
    return n === 0 ? 0 : n / Math.max(1, (now - oldest * 1000) / 1000);
  }
}
