import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PRIORITY_CLASSES,
  PriorityQueue,
  type QueueEntry,
} from '../../../durable-objects/engine-pool/priority-queue.ts';
import type { PriorityClass } from '../../../schemas/config.ts';

interface E extends QueueEntry {
  n: number;
}
let seq = 0;
const e = (priority: PriorityClass, tenant = 't'): E => ({ priority, tenant, n: seq++ });

function drain(q: PriorityQueue<E>): E[] {
  const out: E[] = [];
  for (let x = q.take(); x; x = q.take()) out.push(x);
  return out;
}

describe('priority queue', () => {
  it('serves classes strictly by priority and FIFO within a tenant', () => {
    const q = new PriorityQueue<E>(100);
    const items = [e('low'), e('normal'), e('critical'), e('normal'), e('high'), e('low')];
    for (const i of items) q.offer(i);
    expect(drain(q).map((x) => x.n)).toEqual([
      items[2]!.n,
      items[4]!.n,
      items[1]!.n,
      items[3]!.n,
      items[0]!.n,
      items[5]!.n,
    ]);
  });

  it('takes turns between tenants within a class', () => {
    const q = new PriorityQueue<E>(100);
    for (let i = 0; i < 4; i++) q.offer(e('normal', 'big'));
    q.offer(e('normal', 'small'));
    expect(drain(q).map((x) => x.tenant)).toEqual(['big', 'small', 'big', 'big', 'big']);
  });

  it('sheds the newest waiter of the lowest class (busiest tenant) for a higher newcomer', () => {
    const q = new PriorityQueue<E>(3);
    const low1 = e('low', 'a');
    const low2 = e('low', 'a');
    const normal = e('normal', 'b');
    q.offer(low1);
    q.offer(low2);
    q.offer(normal);
    const high = e('high', 'c');
    const r = q.offer(high);
    expect(r).toEqual({ ok: true, shed: low2 });
    expect(low2.queueState).toBe('shed');
    expect(q.size).toBe(3);
    expect(drain(q)).toEqual([high, normal, low1]);
  });

  it('refuses a newcomer when nothing below its class can be shed', () => {
    const q = new PriorityQueue<E>(2);
    q.offer(e('high'));
    q.offer(e('normal'));
    expect(q.offer(e('normal')).ok).toBe(false);
    expect(q.offer(e('low')).ok).toBe(false);
    expect(q.size).toBe(2);
  });

  it('cancel removes a waiter in O(1); it is never served', () => {
    const q = new PriorityQueue<E>(10);
    const a = e('normal');
    const b = e('normal');
    q.offer(a);
    q.offer(b);
    expect(q.cancel(a)).toBe(true);
    expect(q.cancel(a)).toBe(false);
    expect(q.size).toBe(1);
    expect(q.depthByClass().normal).toBe(1);
    expect(drain(q)).toEqual([b]);
  });

  it('counts who is ahead of a newcomer', () => {
    const q = new PriorityQueue<E>(10);
    q.offer(e('critical'));
    q.offer(e('normal'));
    q.offer(e('low'));
    expect(q.ahead('critical')).toBe(1);
    expect(q.ahead('normal')).toBe(2);
    expect(q.ahead('low')).toBe(3);
  });

  it('property: drain order respects class, tenant FIFO and never serves a cancelled or shed entry', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('offer' as const),
        p: fc.constantFrom(...PRIORITY_CLASSES),
        t: fc.constantFrom('a', 'b', 'c'),
      }),
      fc.record({ kind: fc.constant('cancel' as const), i: fc.nat(50) }),
      fc.record({ kind: fc.constant('take' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), fc.integer({ min: 1, max: 20 }), (ops, maxDepth) => {
        const q = new PriorityQueue<E>(maxDepth);
        const all: E[] = [];
        const served: E[] = [];
        for (const o of ops) {
          if (o.kind === 'offer') {
            const x = e(o.p, o.t);
            all.push(x);
            q.offer(x);
          } else if (o.kind === 'cancel') {
            const x = all[o.i];
            if (x) q.cancel(x);
          } else {
            const x = q.take();
            if (x) {
              // Nothing still waiting outranks what was served.
              const rank = PRIORITY_CLASSES.indexOf(x.priority);
              for (const w of all)
                if (w.queueState === 'waiting')
                  expect(PRIORITY_CLASSES.indexOf(w.priority)).toBeGreaterThanOrEqual(rank);
              served.push(x);
            }
          }
          const waiting = all.filter((w) => w.queueState === 'waiting').length;
          expect(q.size).toBe(waiting);
          expect(q.size).toBeLessThanOrEqual(maxDepth);
        }
        served.push(...drain(q));
        for (const x of served) expect(x.queueState).toBe('taken');
        // FIFO per tenant and class.
        const last = new Map<string, number>();
        for (const x of served) {
          const k = `${x.priority}/${x.tenant}`;
          expect(x.n).toBeGreaterThan(last.get(k) ?? -1);
          last.set(k, x.n);
        }
        expect(all.filter((w) => w.queueState === 'waiting')).toEqual([]);
      }),
    );
  });
});
