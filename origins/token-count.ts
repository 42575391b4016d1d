/**
 * A token count reported by an engine, or undefined when the value is not one. Origin JSON is
 * untrusted: `Number()` would read `null`, `""`, `[]` and `false` as 0 and `[7]` as 7, and let
 * fractions and negatives through into usage the client is billed on.
 */
export function tokenCount(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  // Some servers serialize counts as strings; digits only.
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}
