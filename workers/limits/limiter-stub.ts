import type { RateLimiter } from '../../durable-objects/rate-limiter/rate-limiter.ts';
import type { SettleEntry } from '../../durable-objects/rate-limiter/types.ts';
import { AfterCallBatcher } from '../dispatch/after-call-batcher.ts';
import type { After } from '../dispatch/request-timers.ts';
import type { Env } from '../env.ts';
import { renewWhileRunning } from './reservation-renewal.ts';

/**
 * Settles are held back per limiter (in isolate memory) for at most this long and sent along with the
 * next reserve to the same limiter, or together in one call. Until then the reserved tokens and the
 * slot stay taken: a late settle can only refuse a little early, never admit too much.
 */
export const SETTLE_WINDOW_MS = 20;

export const heldSettles = new AfterCallBatcher<SettleEntry>(SETTLE_WINDOW_MS);

export interface LimitTicket {
  headers: Record<string, string>;
  /**
   * Settle the reserved tokens with what the request really used (undefined: nothing was served).
   * `refund`: nothing ran (the pools refused it), so its request goes back to the minute bucket.
   */
  settle(usedTokens: number | undefined, refund?: boolean): Promise<void>;
}

export function limiter(env: Env, id: string) {
  return (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(id);
}

/**
 * One call with a batch of settles, tried twice: a lost settle keeps its reservation (slots, tokens)
 * until it expires. Settles are idempotent, so a second try after a call that did arrive is harmless.
 */
export function sendSettles(env: Env, id: string) {
  return async (items: SettleEntry[]) => {
    try {
      await limiter(env, id).settleMany(items);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await limiter(env, id).settleMany(items);
    }
  };
}

/**
 * Keeps reservation `reservationId` on limiter `id` alive while the request holding it runs (see
 * renewWhileRunning); `settles` are sent along with each renewal. Returns the stop.
 */
export function keepReservation(
  env: Env,
  id: string,
  reservationId: string,
  ttlMs: number,
  settles: () => SettleEntry[] = () => [],
  after?: After,
): () => void {
  return renewWhileRunning(
    `${id}\n${reservationId}`,
    ttlMs,
    () => limiter(env, id).renew([reservationId], ttlMs, settles()),
    after,
  );
}
