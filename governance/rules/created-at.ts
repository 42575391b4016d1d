import { isScalar } from 'yaml';
import { at, field, type Rule } from '../lint/context.ts';
import { describe } from '../parse/nodes.ts';

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(Z|[+-](\d{2})(?::?(\d{2}))?)?)?$/;

export const createdAt: Rule = {
  code: 'QY024',
  name: 'created-at',
  severity: 'error',
  rationale: 'created_at is an ISO 8601 timestamp so audits can order and compare documents.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'document_metadata', 'created_at');
    if (!ref) return;
    const node = ref.entry.value;
    if (!isScalar(node)) {
      report(at(node, ref.path, `created_at ${describe(node)} is not an ISO 8601 timestamp`));
      return;
    }
    // A !!timestamp tag yields a Date, which silently rolls impossible values over (Feb 30 becomes
    // Mar 2): the text the author wrote is what is checked.
    const text = node.value instanceof Date ? node.source : node.value;
    if (isIsoTimestamp(text)) return;
    const shown = typeof text === 'string' ? JSON.stringify(text) : describe(node);
    report(at(node, ref.path, `created_at ${shown} is not an ISO 8601 timestamp`));
  },
};

export function isIsoTimestamp(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = ISO_8601.exec(value);
  if (!match) return false;
  const [, year, month, day, hour = '0', minute = '0', second = '0', , offsetHour = '0', offsetMinute = '0'] =
    match;
  const sameDay = Number(day) >= 1 && Number(day) <= daysInMonth(Number(year), Number(month));
  const time = Number(hour) < 24 && Number(minute) < 60 && Number(second) < 61;
  // An offset is a time of day (RFC 3339: hours 00-23, minutes 00-59); +25:99 is no place on Earth.
  const offset = Number(offsetHour) < 24 && Number(offsetMinute) < 60;
  return sameDay && time && offset;
}

/**
 * Days of `month` (1-12; 0 otherwise) in `year` of the proleptic Gregorian calendar. Counted rather than
 * asked of Date.UTC, which reads years 0-99 as 1900-1999 (and so refused 0000-02-29).
 */
function daysInMonth(year: number, month: number): number {
  if (month < 1 || month > 12) return 0;
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
