import { parseBaseUrl, parseOrigins } from './parse-text-setting.ts';
import type { NumberSetting, Setting } from './setting-kinds.ts';

/** A configured value as read: the value to run with, and what is wrong when it is not the one written. */
export type Parsed = { value: number | boolean | string | readonly string[]; problem: string | null };

const WHOLE = /^\d{1,16}$/;
const DECIMAL = /^\d{1,16}(\.\d{1,16})?$/;

/**
 * One raw Worker var against its definition. Unset or blank is the default. A string or a JSON value
 * (wrangler.toml `ECO_JOB_SHARDS = 5` binds the number 5, `= true` a boolean) is accepted when it is exactly
 * what the setting holds; anything else is a problem, and the setting's `unusable` value (else its
 * default) is run with meanwhile.
 */
export function parseSetting(setting: Setting, raw: unknown): Parsed {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === ''))
    return { value: setting.default, problem: null };
  if (setting.kind === 'origins') return parseOrigins(raw);
  if (setting.kind === 'url') return parseBaseUrl(setting, raw);
  const fallback = setting.unusable ?? setting.default;
  const bad = (why: string): Parsed => ({
    value: fallback,
    problem: `${why}; ${describe(fallback)} is used until it is corrected`,
  });
  const text = typeof raw === 'string' ? raw.trim() : null;
  switch (setting.kind) {
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw, problem: null };
      const lower = text?.toLowerCase();
      if (lower === 'true' || lower === 'false') return { value: lower === 'true', problem: null };
      return bad(`is ${shown(raw)}, not true or false`);
    }
    case 'word': {
      if (text !== null && setting.words.includes(text)) return { value: text, problem: null };
      return bad(`is ${shown(raw)}, not one of ${setting.words.join(', ')}`);
    }
    default: {
      const n = numberFrom(setting, raw, text);
      if (n !== null && n >= setting.min && n <= setting.max) return { value: n, problem: null };
      return bad(`is ${shown(raw)}, not ${range(setting)}`);
    }
  }
}

function numberFrom(setting: NumberSetting, raw: unknown, text: string | null): number | null {
  if (typeof raw === 'number')
    return Number.isFinite(raw) && (setting.kind === 'decimal' || Number.isInteger(raw)) ? raw : null;
  if (text === null) return null;
  return (setting.kind === 'whole' ? WHOLE : DECIMAL).test(text) ? Number(text) : null;
}

/** `3600000` as `3,600,000` (fractions as written). */
function grouped(n: number): string {
  const [whole = '', fraction] = String(n).split('.');
  const digits = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction === undefined ? digits : `${digits}.${fraction}`;
}

function range(setting: NumberSetting): string {
  const what = setting.kind === 'whole' ? 'a whole number' : 'a number';
  return `${what} of ${setting.unit} from ${grouped(setting.min)} to ${grouped(setting.max)}`;
}

function describe(value: number | boolean | string): string {
  return typeof value === 'number' ? grouped(value) : String(value);
}

/**
 * A value is repeated (in /ready, in logs) only when it is short and plain: a secret pasted into the
 * wrong variable is never echoed.
 */
function shown(raw: unknown): string {
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  if (typeof raw !== 'string') return Array.isArray(raw) ? 'a list' : 'an object';
  const text = raw.trim();
  return /^[A-Za-z0-9._+-]{1,12}$/.test(text) ? `'${text}'` : 'a value';
}
