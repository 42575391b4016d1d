import { type After, ownTimer } from '../dispatch/request-timers.ts';

/**
 * Renewals sent per TTL. Several requests of one block share a renewal, so one may come up to half a
 * period late; with four, one lost call still leaves more than a period to spare.
 */
const RENEWALS_PER_TTL = 4;

/** When each held reservation was last renewed, so the requests sharing a block send one renewal. */
const lastRenewed = new Map<string, number>();
/** Reservations with a renewal on its way: the block's other requests do not send another meanwhile. */
const sending = new Set<string>();

/**
 * Keeps a reservation alive while the request holding it runs: every quarter of `ttlMs`, `send` renews
 * it for `ttlMs` more. The timer lives in the request's own context, so a crashed isolate stops
 * renewing, and the limiter frees the slot within one TTL instead of holding it for as long as the
 * longest request might run. Requests that end within a quarter of the TTL send nothing. `key` names
 * the reservation: the requests of one block share it, and one renewal serves them all. Returns the
 * stop.
 */
export function renewWhileRunning(
  key: string,
  ttlMs: number,
  send: () => Promise<unknown>,
  after: After = ownTimer,
): () => void {
  const every = Math.max(1, Math.floor(ttlMs / RENEWALS_PER_TTL));
  let stopped = false;
  const tick = () => {
    // Another holder of the same block renewed it lately, or is renewing it now.
    const recent = Date.now() - (lastRenewed.get(key) ?? Number.NEGATIVE_INFINITY) < every / 2;
    if (!recent && !sending.has(key)) {
      sending.add(key);
      send()
        .then(
          // Only a renewal that arrived counts: after a lost one, the next holder's tick tries again.
          // (Not once stopped: the last holder's stop has forgotten the reservation for good.)
          () => stopped || lastRenewed.set(key, Date.now()),
          (err: unknown) => console.warn('limit reservation renewal failed', { key, error: String(err) }),
        )
        .finally(() => sending.delete(key));
    }
    cancel = after(every, tick);
  };
  let cancel = after(every, tick);
  return () => {
    stopped = true;
    cancel();
    lastRenewed.delete(key);
  };
}
