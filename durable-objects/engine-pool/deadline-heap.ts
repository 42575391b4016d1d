/**
 * A binary min-heap of items by deadline. The pool object keeps one timer for its earliest waiter
 * deadline instead of one per waiter: the runtime caps the active timers of an object (10,000), and
 * a deep queue must not hit that cap. O(log n) push and pop.
 */
export class DeadlineHeap<T extends { deadline: number }> {
  #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.deadline <= item.deadline) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  /** Keep only the items `keep` accepts: O(n log n), for dropping dead items in bulk. */
  retain(keep: (item: T) => boolean): void {
    // A sorted array is a valid min-heap.
    this.#items = this.#items.filter(keep).sort((a, b) => a.deadline - b.deadline);
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && items[right]!.deadline < items[left]!.deadline ? right : left;
      if (items[child]!.deadline >= last.deadline) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
