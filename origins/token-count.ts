/**
 * The largest token count taken from an engine: far beyond any context window, and small enough that
 * usage sums over billions of rows stay exact (SQLite's SUM fails past 2^63; JSON numbers lose
 * precision past 2^53). A larger count is not a count but a broken engine.
 */
export const MAX_TOKEN_COUNT = 2 ** 31 - 1;

/**
 * A token count reported by an engine, or undefined when the value is not one. Origin JSON is
 * untrusted: `Number()` would read `null`, `""`, `[]` and `false` as 0 and `[7]` as 7, and let
 * fractions, negatives and absurd sizes through into usage the client is billed on.
 */
export function tokenCount(value: unknown): number | undefined {
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= 0 && value <= MAX_TOKEN_COUNT ? value : undefined;
  // Some servers serialize counts as strings; digits only.
  if (typeof value === 'string' && /^\d{1,10}$/.test(value)) {
    const n = Number(value);
    return n <= MAX_TOKEN_COUNT ? n : undefined;
  }
  return undefined;
}
