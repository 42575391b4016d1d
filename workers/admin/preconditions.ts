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
  let members = 0;
  LIST_MEMBER.lastIndex = 0;
  while (LIST_MEMBER.lastIndex < header.length) {
    const match = LIST_MEMBER.exec(header);
    if (!match) throw badIfMatch();
    if (match[2] === undefined) continue;
    members++;
    // Writes compare strongly: a weak tag never matches (RFC 9110 §13.1.1).
    if (!match[1]) tags.push(match[2]);
  }
  if (members === 0) throw badIfMatch();
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
