/** Renewals sent per TTL: one lost call still leaves two before the reservation would lapse. */
const RENEWALS_PER_TTL = 3;

/** When each held reservation was last renewed, so the requests sharing a block send one renewal. */
const lastRenewed = new Map<string, number>();

/**
 * Keeps a reservation alive while the request holding it runs: every third of `ttlMs`, `send` renews
 * it for `ttlMs` more. The timer lives in the request's own context, so a crashed isolate stops
 * renewing, and the limiter frees the slot within one TTL instead of holding it for as long as the
 * longest request might run. Requests that end within a third of the TTL send nothing. `key` names the
 * reservation: the requests of one block share it, and one renewal serves them all. Returns the stop.
 */
export function renewWhileRunning(key: string, ttlMs: number, send: () => Promise<unknown>): () => void {
  const every = Math.max(1, Math.floor(ttlMs / RENEWALS_PER_TTL));
  const tick = () => {
    const now = Date.now();
    // Another holder of the same block renewed it lately: this holder's renewal would add nothing.
    if (now - (lastRenewed.get(key) ?? Number.NEGATIVE_INFINITY) >= every / 2) {
      lastRenewed.set(key, now);
      send().catch(() => {});
    }
    timer = setTimeout(tick, every);
  };
  let timer = setTimeout(tick, every);
  return () => {
    clearTimeout(timer);
    lastRenewed.delete(key);
  };
}
