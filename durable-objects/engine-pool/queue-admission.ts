import { tryGrant } from './grant.ts';
import { anyAlive, hasRoom } from './origin-picker.ts';
import type { PoolCore } from './pool-core.ts';
import type { QueueEntry } from './priority-queue.ts';
import { refuseFull, refuseNow } from './refusals.ts';
import type { AcquireRequest, AcquireResult } from './types.ts';

/** A caller waiting in the pool's queue for a slot. */
export interface Waiter extends QueueEntry {
  req: AcquireRequest;
  enqueuedAt: number;
  deadline: number;
  resolve(result: AcquireResult): void;
}

/** Admit, queue or refuse. `resolve` is called exactly once (perhaps synchronously). */
export function admitOrQueue(
  core: PoolCore,
  req: AcquireRequest,
  resolve: (r: AcquireResult) => void,
): Waiter | undefined {
  const now = core.now();
  // Waiters of the same or a higher class are served first: no overtaking within the queue.
  if (core.queue.ahead(req.priority) === 0) {
    const granted = tryGrant(core, req);
    if (granted) return void resolve(granted);
  } else {
    core.lastUsedAt = now;
    if (!anyAlive(core.slots.values(), now))
      return void resolve(tryGrant(core, req) ?? refuseFull(core, req, 'full'));
  }
  const config = core.config!;
  const maxWait = Math.min(req.maxWaitMs ?? config.queue.maxWaitMs, config.queue.maxWaitMs);
  if (maxWait <= 0) return void resolve(refuseFull(core, req, 'full'));
  const waiter: Waiter = {
    tenant: req.tenant,
    priority: req.priority,
    req,
    enqueuedAt: now,
    deadline: now + maxWait,
    resolve,
  };
  const offered = core.queue.offer(waiter);
  if (!offered.ok) return void resolve(refuseFull(core, req, 'full'));
  if (offered.shed) offered.shed.resolve(refuseFull(core, offered.shed.req, 'shed'));
  core.count('queued');
  drainQueue(core);
  return waiter.queueState === 'waiting' ? waiter : undefined;
}

/**
 * Grant slots to waiters in queue order while some origin has room. When no origin is alive any
 * more, waiters are refused at once (503) so they fail over instead of waiting out their deadline.
 */
export function drainQueue(core: PoolCore): void {
  const now = core.now();
  while (core.queue.size > 0) {
    if (!anyAlive(core.slots.values(), now)) {
      for (let w = core.queue.take(); w; w = core.queue.take())
        w.resolve(tryGrant(core, w.req) ?? refuseFull(core, w.req, 'full'));
      return;
    }
    if (!hasRoom(core.slots.values(), (id) => core.leases.inFlight(id), now)) return;
    const head = core.queue.take();
    if (!head) return;
    // The deadline timer may run late: a waiter past its deadline gets its 429, never the slot.
    if (head.deadline <= now) {
      head.resolve(refuseFull(core, head.req, 'timeout'));
      continue;
    }
    // Room was checked with the same rules, so this grants (or refuses outright).
    const result = tryGrant(core, head.req) ?? refuseFull(core, head.req, 'full');
    if (result.ok) result.queuedMs = now - head.enqueuedAt;
    head.resolve(result);
  }
}

/** The pool was deleted: everyone waiting is told so (and may fail over), none was cancelled. */
export function refuseWaiting(core: PoolCore, pool: string): void {
  for (let w = core.queue.take(); w; w = core.queue.take())
    w.resolve(refuseNow(core, 'no_origins', 5000, `Pool '${pool}' was deleted while this request waited.`));
}

/** The waiter's deadline passed or its caller went away. */
export function expireWaiter(core: PoolCore, waiter: Waiter, reason: 'timeout' | 'cancelled'): void {
  if (!core.queue.cancel(waiter)) return;
  waiter.resolve(refuseFull(core, waiter.req, reason));
}
