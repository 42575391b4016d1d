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
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const sameDay = date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
  const time = Number(hour) < 24 && Number(minute) < 60 && Number(second) < 61;
  // An offset is a time of day (RFC 3339: hours 00-23, minutes 00-59); +25:99 is no place on Earth.
  const offset = Number(offsetHour) < 24 && Number(offsetMinute) < 60;
  return sameDay && time && offset;
}
