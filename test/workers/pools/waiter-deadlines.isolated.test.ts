import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Waiter } from '../../../durable-objects/engine-pool/queue-admission.ts';
import { WaiterDeadlines } from '../../../durable-objects/engine-pool/waiter-deadlines.ts';

// Waiters leave the deadline heap lazily, when they reach its top. One that waits long (a low-priority
// request starved by busier classes) keeps the top, and every waiter queued and served after it would
// stay behind it, each with its whole request, unless what is dead is dropped as it piles up.

let n = 0;
function waiter(deadline: number): Waiter {
  return {
    tenant: 't',
    priority: 'normal',
    queueState: 'waiting',
    req: {
      pool: 'p',
      config: {} as Waiter['req']['config'],
      configKey: 'k',
      configVersion: 1,
      requestId: `w${n++}`,
      tenant: 't',
      priority: 'normal',
    },
    enqueuedAt: 0,
    deadline,
    resolve: () => {},
  };
}

describe('waiter deadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hold no memory for waiters served while an older one still waits, and still expire it on time', () => {
    const live = new Set<Waiter>();
    const expired: Waiter[] = [];
    const deadlines = new WaiterDeadlines(
      (w) => {
        w.queueState = 'cancelled';
        live.delete(w);
        expired.push(w);
      },
      () => {},
      () => live.size,
    );
    const starved = waiter(Date.now() + 600_000);
    live.add(starved);
    deadlines.add(starved);
    for (let i = 0; i < 10_000; i++) {
      const w = waiter(Date.now() + 600_001 + i);
      deadlines.add(w);
      w.queueState = 'taken';
    }
    expect(deadlines.size).toBeLessThan(100);
    vi.advanceTimersByTime(600_000);
    expect(expired).toEqual([starved]);
  });

  it('expire waiters in deadline order, whatever order they came in', () => {
    const live = new Set<Waiter>();
    const expired: number[] = [];
    const deadlines = new WaiterDeadlines(
      (w) => {
        w.queueState = 'cancelled';
        live.delete(w);
        expired.push(w.deadline);
      },
      () => {},
      () => live.size,
    );
    const now = Date.now();
    for (const ms of [300, 100, 200]) {
      const w = waiter(now + ms);
      live.add(w);
      deadlines.add(w);
    }
    vi.advanceTimersByTime(150);
    expect(expired).toEqual([now + 100]);
    vi.advanceTimersByTime(200);
    expect(expired).toEqual([now + 100, now + 200, now + 300]);
  });
});
