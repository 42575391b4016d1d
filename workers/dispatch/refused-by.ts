import { type EcoError, withHeaders } from '../../schemas/errors.ts';

/**
 * Set to `pool` on a 429/503 the engine pools answered before any origin saw the request (queue full,
 * shed, queue wait over, no origin available). Callers that retry on their own, such as the job
 * queue, then know the work never started: an origin's own 429/503 carries no such header.
 */
export const REFUSED_BY_HEADER = 'x-eco-refused-by';

export function refusedByPool(err: EcoError): EcoError {
  return withHeaders(err, { [REFUSED_BY_HEADER]: 'pool' });
}

/** Whether the pools refused the request before any origin saw it (see `refusedByPool`). */
export function isPoolRefusal(err: EcoError): boolean {
  return err.headers?.[REFUSED_BY_HEADER] === 'pool';
}
