import { asEcoError, type EcoError } from '../../schemas/errors.ts';

/**
 * Mark an error that ends the request as it is: raised after output reached the client, or a refusal
 * by the key's limits. It must not be retried, nor passed over for the next pool.
 */
export function committedError(err: unknown): EcoError & { committed: true } {
  const error = asEcoError(err) as EcoError & { committed: true };
  error.committed = true;
  return error;
}

export function isCommitted(err: unknown): boolean {
  return (err as { committed?: boolean } | null)?.committed === true;
}
