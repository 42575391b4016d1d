import { isScalar } from 'yaml';
import { at, field, type Rule } from '../lint/context.ts';
import { describe } from '../parse/nodes.ts';

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

export const createdAt: Rule = {
  code: 'QY024',
  name: 'created-at',
  severity: 'error',
  rationale: 'created_at is an ISO 8601 timestamp so audits can order and compare documents.',
  checkFile(ctx, report) {
    const ref = field(ctx, 'document_metadata', 'created_at');
    if (!ref) return;
    const node = ref.entry.value;
    // A YAML 1.1 timestamp tag yields a Date: it was already a valid timestamp.
    if (isScalar(node) && (node.value instanceof Date || isIsoTimestamp(node.value))) return;
    report(at(node, ref.path, `created_at ${describe(node)} is not an ISO 8601 timestamp`));
  },
};

export function isIsoTimestamp(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = ISO_8601.exec(value);
  if (!match) return false;
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const sameDay = date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
  return sameDay && Number(hour) < 24 && Number(minute) < 60 && Number(second) < 61;
}
