/** Token budgets per UTC calendar day and month: usage resets at 00:00 UTC / the 1st of the month. */
export type BudgetPeriod = 'day' | 'month';

export function periodStart(period: BudgetPeriod, now: number): number {
  const d = new Date(now);
  return period === 'day'
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
    : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function periodEnd(period: BudgetPeriod, now: number): number {
  const d = new Date(now);
  return period === 'day'
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
    : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export interface BudgetWindow {
  start: number;
  used: number;
}

/** The window for `now`, starting over at zero when the period has turned. */
export function currentWindow(window: BudgetWindow | null, period: BudgetPeriod, now: number): BudgetWindow {
  const start = periodStart(period, now);
  return window && window.start === start ? window : { start, used: 0 };
}
