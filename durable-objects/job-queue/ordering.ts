import type { PriorityClass } from '../../schemas/config.ts';

/** Lower rank drains first: critical > high > normal > low, FIFO within a class. */
export const PRIORITY_RANK: Record<PriorityClass, number> = { critical: 0, high: 1, normal: 2, low: 3 };
const BY_RANK: PriorityClass[] = ['critical', 'high', 'normal', 'low'];

/**
 * The class a job's origin request is admitted with. Interactive traffic outranks batch: a job runs one
 * class below what it states (high → normal, normal → low, low stays low), except `critical`, which
 * keeps its class so an operator can still push urgent batch work ahead of everything.
 */
export function dispatchPriority(stated: PriorityClass): PriorityClass {
  if (stated === 'critical') return 'critical';
  return BY_RANK[Math.min(PRIORITY_RANK[stated] + 1, BY_RANK.length - 1)]!;
}

/** A stated priority above what the key may use is lowered to the key's maximum. */
export function capPriority(stated: PriorityClass, max: PriorityClass): PriorityClass {
  return PRIORITY_RANK[stated] < PRIORITY_RANK[max] ? max : stated;
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with equal jitter (half fixed, half random), so retries of many jobs spread out
 * but never come back sooner than half the step. A Retry-After from the gateway is a floor.
 */
export function backoffMs(
  failures: number,
  policy: BackoffPolicy,
  random: () => number,
  retryAfterMs?: number,
): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
  const delay = step / 2 + (random() * step) / 2;
  return Math.round(Math.max(delay, retryAfterMs ?? 0));
}
