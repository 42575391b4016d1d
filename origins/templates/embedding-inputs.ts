import { EcoError } from '../../schemas/errors.ts';
import type { CallContext } from '../types.ts';

/** How many inputs each embeddings call sent: the answer must hold exactly one vector per input. */
const inputCounts = new WeakMap<CallContext, number>();

/** Inputs of an embeddings request: a string or a token-id list is one, a list of either is one each. */
function inputCount(input: unknown): number | undefined {
  if (typeof input === 'string') return 1;
  if (!Array.isArray(input)) return undefined;
  return input.length > 0 && input.every((item) => typeof item === 'number') ? 1 : input.length;
}

/** Kept when the request is built (decode sees only the call context, not the request). */
export function rememberInputCount(ctx: CallContext, input: unknown): void {
  const count = inputCount(input);
  if (count !== undefined) inputCounts.set(ctx, count);
}

/** A short (or long) list would put every later vector against the wrong input: a 502, never a 200. */
export function checkVectorCount(engine: string, vectors: readonly unknown[], ctx: CallContext): void {
  const expected = inputCounts.get(ctx);
  if (expected === undefined || vectors.length === expected) return;
  throw new EcoError(
    502,
    'origin_malformed_response',
    `${engine}: ${vectors.length} embeddings for ${expected} inputs`,
  );
}
