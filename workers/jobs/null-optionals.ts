/** The job body's own optional fields (the inner `request` has its own null handling). */
const OPTIONAL_FIELDS = ['priority', 'timeout_seconds', 'callback_url', 'metadata'] as const;

/**
 * A job body with its optional fields sent as `null` left out: as everywhere in the API, null means
 * "not set" (clients send it for what they leave out). Used for validation and for the
 * Idempotency-Key's body hash alike, so a retry that spells "unset" the other way is the same body.
 */
export function withoutNullOptionals(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const body = raw as Record<string, unknown>;
  if (!OPTIONAL_FIELDS.some((f) => Object.hasOwn(body, f) && body[f] === null)) return raw;
  const copy = { ...body };
  for (const f of OPTIONAL_FIELDS) if (copy[f] === null) delete copy[f];
  return copy;
}
