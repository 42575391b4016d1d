import { EcoError } from '../../schemas/errors.ts';
import { answerRefusal } from '../answer-refusal.ts';
import type { CallContext } from '../types.ts';

/** The `dimensions` each embeddings call asked for (decode sees only the call context, not the request). */
const requested = new WeakMap<CallContext, number>();

/** Kept when the request is built. */
export function rememberDimensions(ctx: CallContext, dimensions: unknown): void {
  if (typeof dimensions === 'number') requested.set(ctx, dimensions);
}

/**
 * An engine or release that does not take `dimensions` (or a model that cannot shorten its vectors)
 * may answer full-length vectors with a 200. Such an answer is the parameter going unhonoured, so it is
 * a 400 `unsupported_parameter` naming it: not a 502, since every origin of the pool serves the same
 * model, so another try would get the same vectors, and the origin is not at fault.
 */
export function checkDimensions(engine: string, vectors: readonly unknown[], ctx: CallContext): void {
  const asked = requested.get(ctx);
  if (asked === undefined) return;
  for (const vector of vectors) {
    const length = vectorLength(vector);
    if (length === undefined || length === asked) continue;
    // Not a whole number of float32 values, or none: the answer is broken, not the request.
    if (!Number.isInteger(length) || length <= 0)
      throw new EcoError(
        502,
        'origin_malformed_response',
        `${engine} answered an embedding that is no vector`,
      );
    throw answerRefusal(
      new EcoError(
        400,
        'unsupported_parameter',
        `${engine} answered ${length}-dimensional embeddings for dimensions ${asked}: the served model does not support dimensions`,
        { param: 'dimensions' },
      ),
    );
  }
}

/** A float list's length, or that of a base64 float32 vector (engines that encode it themselves). */
function vectorLength(vector: unknown): number | undefined {
  if (Array.isArray(vector)) return vector.length;
  if (typeof vector !== 'string') return undefined;
  const padding = vector.endsWith('==') ? 2 : vector.endsWith('=') ? 1 : 0;
  return (Math.floor((vector.length * 3) / 4) - padding) / 4;
}
