import { leaseRunMs } from './lease-run.ts';
import { LEASE_MARGIN_MS } from './lease-table.ts';
import type { PoolCore } from './pool-core.ts';
import { fullPoolRetryAfter } from './retry-after.ts';
import type { AcquireRequest, AcquireResult } from './types.ts';

export type Refusal = Extract<AcquireResult, { ok: false }>;

/** Why a caller that could not get a slot at once was turned away (see `fullMessage`). */
export type FullReason = 'full' | 'shed' | 'timeout' | 'cancelled';

/** The refusal's text as the caller's 429 (or cancellation) carries it. */
export function fullMessage(pool: string, reason: FullReason): string {
  switch (reason) {
    case 'shed':
      return `Pool '${pool}' is overloaded; this request was shed for higher-priority traffic.`;
    case 'timeout':
      return `Pool '${pool}' had no free slot within the queue wait limit.`;
    case 'cancelled':
      return 'The request was cancelled while it waited.';
    default:
      return `Pool '${pool}' is at capacity and its queue is full.`;
  }
}

export function refusal(reason: Refusal['reason'], retryAfterMs: number, message: string): Refusal {
  return { ok: false, reason, retryAfterMs: Math.round(retryAfterMs), message };
}

/** A refusal, counted in the pool's admissions. */
export function refuseNow(
  core: PoolCore,
  reason: Refusal['reason'],
  retryAfterMs: number,
  message: string,
): Refusal {
  core.count(`rejected_${reason}`);
  return refusal(reason, retryAfterMs, message);
}

/** A refusal for a caller who found no free slot, with its Retry-After (see retry-after.ts). */
export function refuseFull(core: PoolCore, req: AcquireRequest, reason: FullReason): Refusal {
  const now = core.now();
  const retryAfterMs = fullPoolRetryAfter({
    now,
    drainPerSecond: core.drain.perSecond(now),
    turn: core.queue.ahead(req.priority) + 1,
    leases: core.leases.values(),
    slots: core.slots,
    totalMs: leaseRunMs(core.config!),
    leaseMarginMs: LEASE_MARGIN_MS,
  });
  return refuseNow(core, reason, retryAfterMs, fullMessage(req.pool, reason));
}
