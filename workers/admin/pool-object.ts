import type { OriginAction } from '../../durable-objects/engine-pool/types.ts';
import type { EcoError } from '../../schemas/errors.ts';
import { objectUnavailable } from '../durable-object-failure.ts';
import type { Env } from '../env.ts';

/** Tries of a deleted pool's `forget`, with a short pause between them, before the delete answers 503. */
const FORGET_TRIES = 3;
const FORGET_PAUSE_MS = 100;

function poolUnavailable(message: string, cause: unknown): EcoError {
  return objectUnavailable('pool_unavailable', message, cause);
}

/**
 * Tell a deleted pool's object to drop what it keeps (config, breakers, leases, kept isolations) and
 * to refuse its waiters, unless it holds a config newer than `deletedVersion` (the pool created again). Throws a 503 when it does not, after a few tries: left as it is, the object
 * would go on probing the deleted pool's origins and hand its state to a pool created again under the
 * name.
 */
export async function forgetPoolObject(env: Env, name: string, deletedVersion: number): Promise<void> {
  let last: unknown;
  for (let tryNo = 0; tryNo < FORGET_TRIES; tryNo++) {
    if (tryNo > 0) await new Promise((resolve) => setTimeout(resolve, FORGET_PAUSE_MS * tryNo));
    try {
      return await env.ENGINE_POOL.getByName(name).forget(deletedVersion);
    } catch (err) {
      last = err;
    }
  }
  throw poolUnavailable(
    `Pool '${name}' was deleted, but its pool object did not clear its state; send the DELETE again.`,
    last,
  );
}

/** An origin action (`isolate`, `reset`) on the pool's object; an object that fails is a 503. */
export async function controlPoolObject(
  env: Env,
  name: string,
  originId: string,
  action: OriginAction,
): Promise<{ ok: boolean; removed?: boolean }> {
  try {
    return await env.ENGINE_POOL.getByName(name).control(originId, action);
  } catch (err) {
    throw poolUnavailable(`Pool '${name}' did not apply the change; try again.`, err);
  }
}
