import { DeadlineHeap } from './deadline-heap.ts';
import type { Waiter } from './queue-admission.ts';

/** Dead entries (served, shed, withdrawn) beyond this many per waiting one are dropped at once. */
const SLACK = 16;

/**
 * Queued waiters by deadline, served by one timer (see deadline-heap.ts): a waiter whose deadline
 * passes is handed to `expire`, then `afterwards` runs once for the lot. Waiters that stop waiting
 * leave lazily, when they reach the top; behind one that waits long (a low class starved by busier
 * ones) they would pile up with their whole requests, so they are dropped in bulk once they outnumber
 * the `waiting()` ones (O(1) amortised per waiter).
 */
export class WaiterDeadlines {
  readonly #heap = new DeadlineHeap<Waiter>();
  readonly #expire: (waiter: Waiter) => void;
  readonly #afterwards: () => void;
  readonly #waiting: () => number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

  constructor(expire: (waiter: Waiter) => void, afterwards: () => void, waiting: () => number) {
    this.#expire = expire;
    this.#afterwards = afterwards;
    this.#waiting = waiting;
  }

  /** Waiters held, those already served or withdrawn but not yet dropped included. */
  get size(): number {
    return this.#heap.size;
  }

  add(waiter: Waiter): void {
    this.#heap.push(waiter);
    if (this.#heap.size > 2 * this.#waiting() + SLACK) this.#heap.retain((w) => w.queueState === 'waiting');
    this.#arm();
  }

  #arm(): void {
    // Waiters already served or withdrawn leave the heap lazily, when they reach its top.
    while (this.#heap.peek() && this.#heap.peek()!.queueState !== 'waiting') this.#heap.pop();
    const next = this.#heap.peek();
    if (!next || next.deadline >= this.#timerAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = next.deadline;
    this.#timer = setTimeout(() => this.#expireDue(), Math.max(1, next.deadline - Date.now()));
  }

  #expireDue(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    for (
      let w = this.#heap.peek();
      w && (w.deadline <= now || w.queueState !== 'waiting');
      w = this.#heap.peek()
    ) {
      this.#heap.pop();
      if (w.queueState === 'waiting') this.#expire(w);
    }
    this.#arm();
    this.#afterwards();
  }
}
