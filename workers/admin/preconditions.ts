import { EcoError } from '../../schemas/errors.ts';

/**
 * Optimistic concurrency for the admin API (RFC 9110 §8.8.3, §13.1.1): a read answers the object's
 * entity tag in `ETag`; a write sent with `If-Match` applies only while the object still has one of the
 * tags it names, so two operators editing the same object from what they each read cannot overwrite
 * each other unseen. Without the header a write applies to the object as it is when written.
 */

/** What an `If-Match` header asks for: any current object, or one of these opaque tags. */
export type IfMatch = { any: true } | { any: false; tags: string[] };

/** One list member (empty ones allowed, as in every HTTP list): an entity-tag, optionally weak. */
const LIST_MEMBER = /[ \t]*(?:(W\/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(?:,|$)/y;

/** Reads `If-Match`; undefined when absent. A value that is not `*` or a list of entity-tags is a 400. */
export function parseIfMatch(header: string | undefined | null): IfMatch | undefined {
  if (header === undefined || header === null) return undefined;
  if (header.trim() === '*') return { any: true };
  const tags: string[] = [];
  LIST_MEMBER.lastIndex = 0;
  while (LIST_MEMBER.lastIndex < header.length) {
    const match = LIST_MEMBER.exec(header);
    if (!match) throw badIfMatch();
    // A weak tag counts as its opaque value. RFC 9110 has writes compare strongly, but a proxy that
    // compresses an answer (Cloudflare's does) weakens its ETag, and clients echo what they got; each
    // of these tags names exactly one stored version, so the weak form means the same.
    if (match[2] !== undefined) tags.push(match[2]);
  }
  if (tags.length === 0) throw badIfMatch();
  return { any: false, tags };
}

/** The `ETag` header value for an opaque tag. */
export function entityTag(tag: string): string {
  return `"${tag}"`;
}

/**
 * Throws 412 unless the object's tag now (`current`, undefined when there is no such object) satisfies
 * the condition. With no condition, anything goes.
 */
export function requireMatch(
  condition: IfMatch | undefined,
  current: string | undefined,
  what: string,
): void {
  if (!condition) return;
  if (current !== undefined && (condition.any || condition.tags.includes(current))) return;
  throw preconditionFailed(what);
}

/** A conditional write whose object changed (or went) since the version its `If-Match` names. */
export function preconditionFailed(what: string): EcoError {
  return new EcoError(
    412,
    'precondition_failed',
    `The ${what} changed since the version If-Match names; read it again (its ETag) and reapply the change.`,
  );
}

function badIfMatch(): EcoError {
  return new EcoError(400, 'invalid_request', 'If-Match must be * or a list of quoted entity tags.', {
    param: 'If-Match',
  });
}
