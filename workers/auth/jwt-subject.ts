import { jwtErrors } from './jwt-errors.ts';

export const MAX_SUBJECT_CHARS = 256;

/**
 * Characters a subject may not hold: it becomes part of the key id `jwt:<tenant>/<sub>`, which names a RateLimiter
 * Durable Object, is stored on usage rows (UTF-8) and is written to logs and usage answers.
 * - control characters (C0, DEL, C1): they forge or break log lines and header-like text;
 * - lone surrogates: UTF-8 storage turns each into U+FFFD, so two subjects would share one name;
 * - line/paragraph separators and bidi controls: they make a shown id read differently than it is.
 * Everything else an identity provider uses (UUIDs, emails, `auth0|…`, URLs, DNs, any script,
 * emoji, spaces) is kept exactly as sent: not trimmed or normalized, since that could merge subjects.
 */
const UNSAFE = /[\p{Cc}\p{Cs}\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** The `sub` claim as a subject id, or a 401 naming `sub` and what is wrong with it. */
export function subjectFromClaim(value: unknown): string {
  if (value === undefined || value === null) throw jwtErrors.claims("'sub' is required");
  if (typeof value !== 'string' || value === '') throw jwtErrors.claims("'sub' must be a non-empty string");
  // Counted in characters (code points), not UTF-16 units: a subject in any script gets the same room.
  let chars = 0;
  for (const _ of value) {
    if (++chars > MAX_SUBJECT_CHARS)
      throw jwtErrors.claims(`'sub' is longer than ${MAX_SUBJECT_CHARS} characters`);
  }
  if (UNSAFE.test(value))
    throw jwtErrors.claims("'sub' holds control, unpaired surrogate or bidi characters");
  return value;
}
