import type { NumberSetting } from './setting-kinds.ts';
import { shown } from './shown-value.ts';

/** What a numeric var is read against: whole or with a fraction, its range, and its unit (for messages). */
export type NumberRule = Pick<NumberSetting, 'kind' | 'min' | 'max' | 'unit'>;

// 15 digits each side: every such number is exact in a double, so what is range-checked is what was written.
const WHOLE = /^\d{1,15}$/;
const DECIMAL = /^\d{1,15}(\.\d{1,15})?$/;

/** Not configured: no var, or one holding nothing but whitespace. */
export function isUnset(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}

/**
 * The one syntax of every numeric `ECO_*` var. A string of ASCII digits, with a `.` and more digits
 * where the rule takes a fraction, whitespace around it ignored; or a JSON number (wrangler.toml
 * `ECO_JOB_SHARDS = 5` binds the number 5), finite and whole where the rule is whole. Then it must lie
 * from `min` to `max`. No sign, exponent, hex, digit grouping or unit (`-1`, `1e3`, `0x10`, `3,600`,
 * `10s`): those are mistakes to report, never read as some nearby number. Unset is the caller's
 * (`isUnset`): each reader has its own default.
 */
export function readNumber(rule: NumberRule, raw: unknown): { value: number } | { problem: string } {
  const n = numberIn(rule, raw);
  if (n !== null && n >= rule.min && n <= rule.max) return { value: n };
  return { problem: `is ${shown(raw)}, not ${range(rule)}` };
}

function numberIn(rule: NumberRule, raw: unknown): number | null {
  if (typeof raw === 'number')
    return Number.isFinite(raw) && (rule.kind === 'decimal' || Number.isInteger(raw)) ? raw : null;
  if (typeof raw !== 'string') return null;
  const text = raw.trim();
  return (rule.kind === 'whole' ? WHOLE : DECIMAL).test(text) ? Number(text) : null;
}

/** `3600000` as `3,600,000` (fractions as written). */
export function grouped(n: number): string {
  const [whole = '', fraction] = String(n).split('.');
  const digits = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction === undefined ? digits : `${digits}.${fraction}`;
}

function range(rule: NumberRule): string {
  const what = rule.kind === 'whole' ? 'a whole number' : 'a number';
  return `${what} of ${rule.unit} from ${grouped(rule.min)} to ${grouped(rule.max)}`;
}
