import { EcoError } from '../../schemas/errors.ts';

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 366;

export interface DateRange {
  start: string;
  end: string;
  fromMs: number;
  toMs: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isCalendarDay(value: string): boolean {
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

/** `start`/`end` as UTC dates (end inclusive); default the last 30 days; at most 366 days. */
export function dateRange(start: string | undefined, end: string | undefined, now = Date.now()): DateRange {
  for (const [name, value] of [
    ['start', start],
    ['end', end],
  ] as const) {
    // Date.parse rolls a day the month lacks (02-31) into the next month: require the round trip.
    if (value !== undefined && (!DATE.test(value) || !isCalendarDay(value))) {
      throw new EcoError(400, 'invalid_request', `'${name}' must be a date like 2026-03-01.`, {
        param: name,
      });
    }
  }
  const today = new Date(now).toISOString().slice(0, 10);
  const endDay = end ?? today;
  const toMs = Date.parse(endDay) + DAY_MS;
  const fromMs = start ? Date.parse(start) : toMs - 30 * DAY_MS;
  if (fromMs >= toMs)
    throw new EcoError(400, 'invalid_request', "'start' must not be after 'end'.", { param: 'start' });
  if (toMs - fromMs > MAX_RANGE_DAYS * DAY_MS) {
    throw new EcoError(400, 'invalid_request', `The range may span at most ${MAX_RANGE_DAYS} days.`, {
      param: 'start',
    });
  }
  return { start: new Date(fromMs).toISOString().slice(0, 10), end: endDay, fromMs, toMs };
}

export const GROUP_COLUMNS = {
  day: "strftime('%Y-%m-%d', created_at / 1000, 'unixepoch')",
  tenant: 'tenant',
  key: 'key_id',
  model: 'model',
} as const;
export type GroupBy = keyof typeof GROUP_COLUMNS;

const AGGREGATES = `COUNT(*) AS requests,
  SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
  SUM(streamed) AS streamed_requests,
  SUM(prompt_tokens) AS prompt_tokens,
  SUM(completion_tokens) AS completion_tokens,
  SUM(prompt_tokens + completion_tokens) AS total_tokens`;

export interface UsageFilter {
  range: DateRange;
  keyId?: string;
  tenant?: string;
  model?: string;
}

export interface UsageTotals {
  requests: number;
  errors: number;
  streamed_requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

function where(filter: UsageFilter): { sql: string; binds: unknown[] } {
  const parts = ['created_at >= ?', 'created_at < ?'];
  const binds: unknown[] = [filter.range.fromMs, filter.range.toMs];
  if (filter.keyId) {
    parts.push('key_id = ?');
    binds.push(filter.keyId);
  }
  if (filter.tenant) {
    parts.push('tenant = ?');
    binds.push(filter.tenant);
  }
  if (filter.model) {
    parts.push('model = ?');
    binds.push(filter.model);
  }
  return { sql: parts.join(' AND '), binds };
}

const zero = (t: Partial<UsageTotals>): UsageTotals => ({
  requests: t.requests ?? 0,
  errors: t.errors ?? 0,
  streamed_requests: t.streamed_requests ?? 0,
  prompt_tokens: t.prompt_tokens ?? 0,
  completion_tokens: t.completion_tokens ?? 0,
  total_tokens: t.total_tokens ?? 0,
});

export async function usageTotals(database: D1Database, filter: UsageFilter): Promise<UsageTotals> {
  const w = where(filter);
  const row = await database
    .prepare(`SELECT ${AGGREGATES} FROM usage_events WHERE ${w.sql}`)
    .bind(...w.binds)
    .first<Partial<UsageTotals>>();
  return zero(row ?? {});
}

/** Aggregates grouped by the given dimensions (whitelisted column expressions only). */
export async function usageGroups(
  database: D1Database,
  filter: UsageFilter,
  groupBy: GroupBy[],
  limit = 10_000,
): Promise<(UsageTotals & Record<string, string | number | null>)[]> {
  const w = where(filter);
  const dims = groupBy.map((g) => `${GROUP_COLUMNS[g]} AS ${g === 'key' ? 'key_id' : g}`);
  const order = groupBy.map((_, i) => String(i + 1)).join(', ');
  const sql = `SELECT ${[...dims, AGGREGATES].join(', ')} FROM usage_events WHERE ${w.sql}
    ${groupBy.length ? `GROUP BY ${order} ORDER BY ${order}` : ''} LIMIT ?`;
  const rows = await database
    .prepare(sql)
    .bind(...w.binds, limit)
    .all<Record<string, string | number | null>>();
  return rows.results.map((r) => ({ ...r, ...zero(r as Partial<UsageTotals>) }));
}
