import type { IdempotentResult } from '../../durable-objects/job-queue/job-queue.ts';
import type { Idempotency } from '../../durable-objects/job-queue/job-store.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { Env } from '../env.ts';
import { queueUnavailable } from './shard-call.ts';
import { shardStub } from './shards.ts';
import { submitShard } from './submit-shard.ts';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key header, checked before anything else of the submit is read. */
export function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined || IDEMPOTENCY_KEY.test(header)) return header;
  throw new EcoError(
    400,
    'invalid_idempotency_key',
    'Idempotency-Key must be 1-255 visible ASCII characters.',
    {
      param: 'Idempotency-Key',
    },
  );
}

/**
 * The job an Idempotency-Key already names for its caller, without submitting anything. Asked when
 * today's checks refuse a keyed body (the key lost `inference`, the model left the registry, callbacks
 * were switched off): the key promised the job that body was accepted as, so that job is the answer;
 * null when the key names none. A shard that does not answer leaves that unknown: 503, never the
 * refusal, which would tell the client its job was not accepted.
 */
export async function findIdempotentJob(
  env: Env,
  tenant: string,
  shards: number,
  idempotency: Idempotency,
): Promise<IdempotentResult> {
  const shard = await submitShard(env, tenant, shards, idempotency.scope);
  try {
    return await shardStub(env, tenant, shard).findIdempotent(idempotency);
  } catch (err) {
    throw queueUnavailable(
      'The job queue did not answer, so whether this Idempotency-Key already names a job is unknown. Retry with the same Idempotency-Key.',
      err,
    );
  }
}
