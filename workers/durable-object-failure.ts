/**
 * Whether a Durable Object call failed in a passing way: the runtime marks such errors `retryable`
 * (the object was reset, a connection was lost) or `overloaded`.
 */
export function transient(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const marks = err as { retryable?: unknown; overloaded?: unknown };
  return marks.retryable === true || marks.overloaded === true;
}
