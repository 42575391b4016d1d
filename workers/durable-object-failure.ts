import { EcoError } from '../schemas/errors.ts';

/**
 * Whether a Durable Object call failed in a passing way: the runtime marks such errors `retryable`
 * (the object was reset, a connection was lost) or `overloaded`.
 */
export function transient(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const marks = err as { retryable?: unknown; overloaded?: unknown };
  return marks.retryable === true || marks.overloaded === true;
}

/**
 * A Durable Object that did not answer, as its caller's 503: retried shortly by the client (a second),
 * never an unexplained 500.
 */
export function objectUnavailable(code: string, message: string, cause: unknown): EcoError {
  return new EcoError(503, code, message, { cause, retryAfterMs: 1000 });
}
