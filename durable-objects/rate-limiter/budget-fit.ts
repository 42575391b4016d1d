import type { BudgetPeriod } from './budget-window.ts';
import type { LimiterLimits } from './types.ts';

/**
 * A reservation larger than a whole day or month budget: no reset ever makes room for it, so it is
 * refused as a request error rather than with a wait.
 */
export interface BudgetTooSmall {
  period: BudgetPeriod;
  /** The budget's whole limit. */
  budget: number;
  /** What the request reserves (rounded up, as the limiter counts it). */
  tokens: number;
}

export const PERIOD_ADJECTIVE: Record<BudgetPeriod, string> = { day: 'daily', month: 'monthly' };

/** The smallest budget `tokens` can never fit in, or null when every budget could hold it. */
export function budgetTooSmall(limits: LimiterLimits, tokens: number): BudgetTooSmall | null {
  const need = Math.max(0, Math.ceil(tokens));
  let found: BudgetTooSmall | null = null;
  for (const [period, budget] of [
    ['day', limits.tokensPerDay],
    ['month', limits.tokensPerMonth],
  ] as const) {
    if (budget && need > budget && (!found || budget < found.budget))
      found = { period, budget, tokens: need };
  }
  return found;
}
