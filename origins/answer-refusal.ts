import type { EcoError } from '../schemas/errors.ts';

/**
 * Refusals the gateway finds in an origin's answer (an engine that ignored a parameter), as opposed to an
 * origin's own 400: the request may go on to the next pool of the chain, as a refusal found before
 * asking would. Marked where they are made, so an origin's answer carrying the same code is not taken
 * for one.
 */
const marked = new WeakSet<object>();

export function answerRefusal(error: EcoError): EcoError {
  marked.add(error);
  return error;
}

export function isAnswerRefusal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && marked.has(error);
}
