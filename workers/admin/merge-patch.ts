/**
 * A one-level-deep merge for PATCH bodies: top-level fields replace, nested plain objects (timeouts,
 * breaker, queue, …) merge field by field, arrays (origins, routes, aliases) replace whole.
 */
export function mergePatch(
  base: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isPlain(current) && isPlain(value) ? { ...current, ...value } : value;
  }
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Origin auth names a Worker secret; a body that carries the secret itself is refused, never stored. */
export function secretInAuth(raw: unknown): boolean {
  const auth = (raw as { auth?: unknown } | null)?.auth;
  if (!isPlain(auth)) return false;
  return Object.keys(auth).some((k) => !['header', 'secret', 'prefix'].includes(k));
}
