/**
 * How deep a request body may nest objects and arrays. Real requests stay far below it (a tool's JSON
 * Schema nested twenty levels is about forty); far deeper ones are valid JSON that every recursive walk
 * after the parse (validation, re-encoding for the engine, structured clone to an object) could take
 * down with a stack overflow.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Whether `value` nests objects and arrays more than `max` levels deep (a scalar is depth 0). The
 * recursion stops at `max`, so it can never overflow the stack itself, and allocates nothing.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (max <= 0) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (nestsDeeperThan(item, max - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (nestsDeeperThan((value as Record<string, unknown>)[key], max - 1)) return true;
  }
  return false;
}
