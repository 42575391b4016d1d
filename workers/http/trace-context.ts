/** version-traceId-parentId-flags, lowercase hex (W3C Trace Context, level 1). */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Longer than any traceparent a real tracer sends; the origin is never handed an unbounded header. */
const MAX_LENGTH = 512;

/**
 * The traceparent to pass on to the origin, or undefined when the caller's does not parse: the
 * spec has a receiver ignore an invalid one, and an origin should not see junk under a trace header.
 * A later version is passed on in version 00 form, the only one defined, with its fields kept.
 */
export function traceparentToPropagate(header: string | undefined): string | undefined {
  if (header === undefined || header.length > MAX_LENGTH) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match;
  if (version === 'ff' || /^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  if (version === '00') return rest === undefined ? `00-${traceId}-${parentId}-${flags}` : undefined;
  return `00-${traceId}-${parentId}-${flags}`;
}
