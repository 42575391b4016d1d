import { type BreakerSignal, DEFAULT_BACKOFF_MS } from './breaker.ts';
import type { OriginSlot } from './origin-picker.ts';
import type { Lease, LeaseOutcome } from './types.ts';

/**
 * A trial of the origin's current half-open spell. One of an earlier spell (the circuit re-opened
 * while it ran) proves nothing now and holds none of this spell's trial places; a trial stored
 * before spells were recorded counts as current.
 */
export function isCurrentTrial(slot: OriginSlot, lease: Lease): boolean {
  return lease.probe === true && (lease.trialOf === undefined || lease.trialOf === slot.breaker.openedAt);
}

/**
 * The lease was on the machine the origin stands for now. An origin given a new URL keeps its id but
 * starts afresh, so outcomes of requests sent to its old URL are no news about it. A lease with no
 * URL ('': a late block report that names none, as a gateway of an earlier version sends) counts as
 * of the current one.
 */
export function onCurrentUrl(slot: OriginSlot, lease: Lease): boolean {
  return lease.url === slot.url || lease.url === '';
}

/**
 * Feed a finished request's outcome to its origin's stats and breaker; a success slower than the
 * pool's time-to-first-token objective counts as a failure. True when the breaker changed state.
 */
export function learnOutcome(
  slot: OriginSlot,
  lease: Lease,
  outcome: LeaseOutcome,
  ttftSloMs: number | undefined,
  now: number,
): boolean {
  const slo = ttftSloMs;
  const slow =
    outcome.kind === 'success' && slo !== undefined && outcome.ttftMs !== undefined && outcome.ttftMs > slo;
  slot.stats.count(slow ? 'slow' : outcome.kind);
  if (outcome.latencyMs !== undefined) slot.stats.latency.add(outcome.latencyMs);
  if (outcome.ttftMs !== undefined) slot.stats.ttft.add(outcome.ttftMs);
  if (outcome.kind === 'backoff') slot.breaker.backoff(outcome.retryAfterMs ?? DEFAULT_BACKOFF_MS, now);
  const signal: BreakerSignal =
    outcome.kind === 'failure' || slow ? 'failure' : outcome.kind === 'success' ? 'success' : 'neutral';
  const reason = slow
    ? `time to first token ${outcome.ttftMs} ms over the ${slo} ms objective`
    : outcome.kind === 'failure'
      ? `${outcome.code ?? 'failure'}${outcome.status ? ` (${outcome.status})` : ''}`
      : '';
  return slot.breaker.record(signal, now, isCurrentTrial(slot, lease), reason);
}
