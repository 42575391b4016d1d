import { EcoError } from '../../schemas/errors.ts';
import { objectUnavailable, transient } from '../durable-object-failure.ts';

/** The answer when a job shard did not answer: a 503 the client retries after a second. */
export function queueUnavailable(message: string, cause: unknown): EcoError {
  return objectUnavailable('job_queue_unavailable', message, cause);
}

/**
 * A call to job shards for a read or a cancel. A shard that fails in a passing way is a 503 the client
 * can retry, as for a submit, not an unexplained 500; other failures stay what they are.
 */
export async function shardCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof EcoError || !transient(err)) throw err;
    throw queueUnavailable('The job queue did not answer; try again.', err);
  }
}
