import { EcoError } from '../../schemas/errors.ts';

/**
 * A one-level-deep merge for PATCH bodies: top-level fields replace, nested plain objects (timeouts,
 * breaker, queue, …) merge field by field, arrays (origins, routes, aliases) replace whole. As in JSON
 * merge patch (RFC 7386), null removes a field, at either level: an optional field is cleared, a
 * defaulted one returns to its default, and a required one is reported missing by the schema.
 */
export function mergePatch(
  base: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  return assign(base, patch, (current, value) =>
    isPlain(current) && isPlain(value) ? assign(current, value, (_, v) => v) : value,
  );
}

function assign(
  base: Record<string, unknown>,
  patch: Record<string, unknown>,
  merge: (current: unknown, value: unknown) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = merge(out[key], value);
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

/** Times a PATCH is re-applied when other writes of the same object keep committing first. */
export const PATCH_ATTEMPTS = 5;

/** Other writes of the object kept committing between this PATCH's read and its write. */
export function writeConflict(kind: string, name: string): EcoError {
  return new EcoError(
    409,
    'write_conflict',
    `The ${kind} '${name}' kept changing while this change was applied; nothing was written. Try again.`,
  );
}

/**
 * A PATCH applied to the object as it is when written: `attempt` reads it, merges, and writes only if
 * nothing changed since that read (undefined when another write committed first). A write committed in
 * between is built on, not lost; after PATCH_ATTEMPTS lost races the answer is 409 write_conflict.
 */
export async function patchUntilWritten<T>(
  kind: string,
  name: string,
  attempt: () => Promise<T | undefined>,
): Promise<T> {
  for (let i = 0; i < PATCH_ATTEMPTS; i++) {
    const result = await attempt();
    if (result !== undefined) return result;
  }
  throw writeConflict(kind, name);
}
