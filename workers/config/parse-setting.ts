import { grouped, isUnset, readNumber } from './parse-number.ts';
import { parseBaseUrl, parseOrigins } from './parse-text-setting.ts';
import type { Setting } from './setting-kinds.ts';
import { shown } from './shown-value.ts';

/** A configured value as read: the value to run with, and what is wrong when it is not the one written. */
export type Parsed = { value: number | boolean | string | readonly string[]; problem: string | null };

/**
 * One raw Worker var against its definition. Unset or blank is the default. A string or a JSON value
 * (wrangler.toml `ECO_JOB_SHARDS = 5` binds the number 5, `= true` a boolean) is accepted when it is exactly
 * what the setting holds; anything else is a problem, and the setting's `unusable` value (else its
 * default) is run with meanwhile.
 */
export function parseSetting(setting: Setting, raw: unknown): Parsed {
  if (isUnset(raw)) return { value: setting.default, problem: null };
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
      const read = readNumber(setting, raw);
      return 'value' in read ? { value: read.value, problem: null } : bad(read.problem);
    }
  }
}

function describe(value: number | boolean | string): string {
  return typeof value === 'number' ? grouped(value) : String(value);
}
