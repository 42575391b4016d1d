import { describe, expect, it } from 'vitest';
import { PriorityQueue, type QueueEntry } from '../../../durable-objects/engine-pool/priority-queue.ts';
import type { PriorityClass } from '../../../schemas/config.ts';

// A tenant's place in its class's round-robin belongs to its waiters: once none wait (timed out,
// cancelled, shed), a newcomer of that tenant queues behind the tenants already waiting.

interface E extends QueueEntry {
  n: number;
}
let seq = 0;
const e = (priority: PriorityClass, tenant: string): E => ({ priority, tenant, n: seq++ });

function drain(q: PriorityQueue<E>): E[] {
  const out: E[] = [];
  for (let x = q.take(); x; x = q.take()) out.push(x);
  return out;
}

describe('priority queue turns', () => {
  it('a tenant whose waiters all timed out does not keep its old turn', () => {
    const q = new PriorityQueue<E>(10);
    const gone = e('normal', 'b');
    q.offer(gone);
    q.cancel(gone); // its deadline passed
    const c = e('normal', 'c');
    q.offer(c);
    const b = e('normal', 'b');
    q.offer(b);
    expect(drain(q)).toEqual([c, b]);
  });

  it('a tenant whose only waiter was shed does not keep its old turn', () => {
    const q = new PriorityQueue<E>(1);
    const victim = e('normal', 'b');
    q.offer(victim);
    const high = e('high', 'a');
    expect(q.offer(high)).toEqual({ ok: true, shed: victim });
    q.maxDepth = 10;
    const c = e('normal', 'c');
    q.offer(c);
    const b = e('normal', 'b');
    q.offer(b);
    expect(drain(q)).toEqual([high, c, b]);
  });

  it('still takes turns after lines empty and refill', () => {
    const q = new PriorityQueue<E>(10);
    const a1 = e('low', 'a');
    q.offer(a1);
    q.cancel(a1);
    const b1 = e('low', 'b');
    const a2 = e('low', 'a');
    const b2 = e('low', 'b');
    const a3 = e('low', 'a');
    for (const x of [b1, a2, b2, a3]) q.offer(x);
    expect(drain(q)).toEqual([b1, a2, b2, a3]);
  });

  it('waiters that time out in a starved class are not kept in memory', () => {
    const q = new PriorityQueue<E>(100);
    q.offer(e('high', 'h')); // never served: the low class starves
    const waiting: E[] = [];
    for (let i = 0; i < 10_000; i++) {
      const x = e('low', i % 2 === 0 ? 'a' : `t${i % 7}`);
      q.offer(x);
      waiting.push(x);
      // Deadlines pass in arrival order: keep 5 waiting.
      if (waiting.length > 5) q.cancel(waiting.shift()!);
    }
    expect(q.size).toBe(6);
    expect(q.retained).toBeLessThan(100);
  });
});
