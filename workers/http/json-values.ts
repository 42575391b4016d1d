import { EcoError } from '../../schemas/errors.ts';

/**
 * How many values (array elements and object members) an inference body may hold, token-id lists
 * aside. Real requests stay far below it (4,096 messages of a few fields each, tools with large JSON
 * Schemas). The bound is for validation: a schema checks an array element by element, and half a
 * million elements that each fail would each build an error, hundreds of megabytes in all.
 */
export const MAX_JSON_VALUES = 50_000;

/**
 * Fields whose number lists are token ids, checked in one pass (schemas/openai/completions.ts): at the
 * top level of an inference body, or one level down (a job's `request`).
 */
const TOKEN_FIELDS = new Set(['prompt', 'input']);
const TOKEN_FIELD_DEPTH = 1;

/** Whether the body holds more than `max` values; numbers in its token-id fields do not count. */
export function holdsMoreValuesThan(body: unknown, max: number): boolean {
  let left = max;
  const visit = (value: unknown, depth: number, skipNumbers: boolean): boolean => {
    if (value === null || typeof value !== 'object') return false;
    if (Array.isArray(value)) {
      for (const item of value) {
        if (!(skipNumbers && typeof item === 'number') && --left < 0) return true;
        if (visit(item, depth + 1, skipNumbers)) return true;
      }
      return false;
    }
    for (const key in value) {
      if (--left < 0) return true;
      const tokens = depth <= TOKEN_FIELD_DEPTH && TOKEN_FIELDS.has(key);
      if (visit((value as Record<string, unknown>)[key], depth + 1, tokens)) return true;
    }
    return false;
  };
  return visit(body, 0, false);
}

/** Refuses an inference body with more values than validation may take on (413, like a body too large). */
export function refuseTooManyValues(body: unknown): void {
  if (holdsMoreValuesThan(body, MAX_JSON_VALUES)) {
    throw new EcoError(
      413,
      'body_too_large',
      `The request body holds more than ${MAX_JSON_VALUES} values (array elements and object members, token ids aside).`,
    );
  }
}
