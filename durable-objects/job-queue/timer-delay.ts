/**
 * The longest delay `setTimeout` honours: a longer one (or a negative or NaN one) fires at once, which
 * turns a "sleep until then" loop into a busy loop.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay safe to hand to `setTimeout`: at least 1 ms, at most MAX_TIMER_MS (the waiter looks again then). */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms)) return 1;
  return Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(ms)));
}
