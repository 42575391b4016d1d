// Policy files are read with integers as bigints so a value beyond what a JavaScript number holds exactly
// is refused by name instead of being rounded (a limit or a generated registry_ttl that differs from the
// file). Everything else is handed on unchanged for the schema to check.

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

export type ExactResult = { ok: true; value: unknown } | { ok: false; error: string };

/** The data with each bigint turned into a number, or the dotted path of the first one out of range. */
export function toExactNumbers(data: unknown): ExactResult {
  // Iterative: policy data is small, but a hostile file must not be able to exhaust the stack.
  const root = { value: data };
  const stack: Array<{ holder: Record<string, unknown>; key: string; path: string }> = [
    { holder: root, key: 'value', path: '' },
  ];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const { holder, key, path } = stack.pop()!;
    const value = holder[key];
    if (typeof value === 'bigint') {
      if (value > MAX_EXACT || value < -MAX_EXACT) {
        const where = path === '' ? '' : `${path}: `;
        return {
          ok: false,
          error: `${where}${value} is beyond the largest integer read exactly (${MAX_EXACT})`,
        };
      }
      holder[key] = Number(value);
    } else if (value && typeof value === 'object' && !seen.has(value)) {
      seen.add(value);
      for (const child of Object.keys(value)) {
        const childPath = path === '' ? child : `${path}.${child}`;
        stack.push({ holder: value as Record<string, unknown>, key: child, path: childPath });
      }
    }
  }
  return { ok: true, value: root.value };
}
