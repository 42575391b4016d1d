import type { AcquireResult } from './types.ts';

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
