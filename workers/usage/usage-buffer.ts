/**
 * Isolate-memory buffer of usage rows. A batch is due when it holds `maxRows` rows or its oldest row
 * is `windowMs` old; the clock is injected so the policy is testable without waiting.
 */
export class UsageBuffer<T> {
  #rows: T[] = [];
  #oldest = 0;
  readonly maxRows: number;
  readonly windowMs: number;

  constructor(maxRows: number, windowMs: number) {
    this.maxRows = Math.max(1, maxRows);
    this.windowMs = Math.max(0, windowMs);
  }

  /** Whether this buffer batches as `new UsageBuffer(maxRows, windowMs)` would. */
  sizedFor(maxRows: number, windowMs: number): boolean {
    return this.maxRows === Math.max(1, maxRows) && this.windowMs === Math.max(0, windowMs);
  }

  get size(): number {
    return this.#rows.length;
  }

  add(row: T, now: number): void {
    if (this.#rows.length === 0) this.#oldest = now;
    this.#rows.push(row);
  }

  /** Milliseconds until the buffered rows are due (0: due now). */
  dueIn(now: number): number {
    if (this.#rows.length === 0) return Number.POSITIVE_INFINITY;
    if (this.#rows.length >= this.maxRows) return 0;
    return Math.max(0, this.#oldest + this.windowMs - now);
  }

  /** Take every buffered row (the caller writes them). */
  drain(): T[] {
    const rows = this.#rows;
    this.#rows = [];
    return rows;
  }

  /** Give rows back after a failed write, oldest first, keeping the buffer bounded. */
  restore(rows: T[], now: number, cap = 10_000): void {
    this.#rows = [...rows, ...this.#rows].slice(0, cap);
    if (this.#rows.length > 0) this.#oldest = Math.min(this.#oldest || now, now);
  }
}
