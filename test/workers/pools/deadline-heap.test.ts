import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineHeap } from '../../../durable-objects/engine-pool/deadline-heap.ts';

describe('DeadlineHeap', () => {
  it('pops items in deadline order whatever the insertion order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 300 }), (deadlines) => {
        const heap = new DeadlineHeap<{ deadline: number }>();
        for (const deadline of deadlines) heap.push({ deadline });
        const out: number[] = [];
        for (let item = heap.pop(); item; item = heap.pop()) out.push(item.deadline);
        expect(out).toEqual([...deadlines].sort((a, b) => a - b));
        expect(heap.size).toBe(0);
      }),
    );
  });

  it('interleaves pushes and pops correctly', () => {
    const heap = new DeadlineHeap<{ deadline: number }>();
    heap.push({ deadline: 5 });
    heap.push({ deadline: 1 });
    expect(heap.pop()?.deadline).toBe(1);
    heap.push({ deadline: 3 });
    expect(heap.peek()?.deadline).toBe(3);
    expect(heap.pop()?.deadline).toBe(3);
    expect(heap.pop()?.deadline).toBe(5);
    expect(heap.pop()).toBeUndefined();
  });
});
