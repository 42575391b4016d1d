import { eq } from 'drizzle-orm';
import type { ReplayTarget } from '../../durable-objects/job-queue/replay-target.ts';
import { type ApiKeyRow, apiKeys } from '../../schemas/db/api-keys.ts';
import { EcoError } from '../../schemas/errors.ts';
import { principalFromRow } from '../data/api-keys.ts';
import { db } from '../data/db.ts';
import { registry } from '../data/registry.ts';
import { storedKeyProblems } from '../data/stored-key.ts';
import type { Env } from '../env.ts';
import { modelForKey } from '../pipeline/model-for-key.ts';
import { resolveModel } from '../pipeline/resolve-model.ts';
import type { Principal } from '../principal.ts';
import { JOB_CAPABILITY } from './job-request.ts';

/**
 * Why the key a job runs as could not run it now, or null. The same rules as a job's own calls
 * (internal-auth.ts: the key exists, is neither revoked nor expired, its row is valid; the inference
 * routes: it has the `inference` scope), so a replay is refused exactly when its run would fail.
 */
export function keyUnusable(row: ApiKeyRow | undefined, now: number): string | null {
  if (!row) return 'which no longer exists (it was deleted)';
  if (row.revokedAt !== null && row.revokedAt <= now)
    return `which was revoked at ${new Date(row.revokedAt).toISOString()}`;
  if (row.expiresAt !== null && row.expiresAt <= now)
    return `which expired at ${new Date(row.expiresAt).toISOString()}`;
  if (storedKeyProblems(row).length > 0)
    return 'whose stored record is invalid (see its problems under /admin/keys and correct them)';
  if (!row.scopes.includes('inference')) return "which lacks the 'inference' scope its calls need";
  return null;
}

type Runnable = Extract<ReplayTarget, { found: true }>;

/**
 * A replay runs the job as the key that submitted it, with the model it names. Refused up front (409)
 * when that run would fail at once, instead of a 202 for a run that fails with `invalid_api_key` or
 * `model_not_found` and sends its callback again: `job_key_unusable` when the
 * key is at fault (the fix is the key's), `job_model_unavailable` when the model is (the key is fine;
 * the registry changed). The key is read from D1 itself, not the key cache: an admin who just revoked
 * a key sees that at once. The model is checked by the same lookup a submit and a run make, and what
 * else that lookup refuses (no pool configured for the model) is refused as at submit.
 */
export async function requireReplayableJob(env: Env, jobId: string, target: Runnable, now = Date.now()) {
  const rows = await db(env.DB).select().from(apiKeys).where(eq(apiKeys.id, target.keyId)).limit(1);
  const why = keyUnusable(rows[0], now);
  if (why !== null) throw keyRefusal(jobId, target.keyId, why);
  // keyUnusable refuses a missing or invalid row, so the key's principal is here.
  const principal = principalFromRow(rows[0]!);
  try {
    await resolveModel(env, principal, target.model, undefined, JOB_CAPABILITY[target.type]);
  } catch (err) {
    if (!(err instanceof EcoError)) throw err;
    const reason =
      err.code === 'model_not_found' ? await missingBecause(env, principal, target.model) : err.code;
    const refusal = modelRefusal(jobId, target, reason);
    if (refusal) throw refusal;
    // Found and allowed now (the registry changed in between): nothing to refuse, a run will tell.
    if (reason === 'found') return;
    // Any other answer is refused as a submit refuses it (no pool configured for the model now: 503
    // `origin_unavailable` with Retry-After): a run would only spend its attempts on it.
    throw new EcoError(
      err.status,
      err.code,
      `${err.message} Nothing was queued: replay the job once it can run.`,
      {
        param: err.param,
        ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
      },
    );
  }
}

/**
 * Why the model is missing for the key: a key is told "not found" either way, the admin replaying is
 * told which (the registry lookup is the cached one resolveModel just made).
 */
async function missingBecause(
  env: Env,
  principal: Principal,
  model: string,
): Promise<'unknown' | 'not_allowed' | 'found'> {
  const { byName } = await registry(env.DB, Date.now());
  const found = modelForKey(byName, principal.allowedModels, model);
  // Found and allowed now (the registry changed in between): nothing to refuse, a run will tell.
  return 'missing' in found ? found.missing : 'found';
}

function keyRefusal(jobId: string, keyId: string, why: string): EcoError {
  return new EcoError(
    409,
    'job_key_unusable',
    `Job '${jobId}' runs as API key '${keyId}', ${why}: a replay would fail at once. Submit the request again with a usable key.`,
    { param: 'id' },
  );
}

/** `why`: the model is missing for the key (`unknown`, `not_allowed`), or the error code a lookup gave; null for anything else. */
function modelRefusal(jobId: string, target: Runnable, why: string): EcoError | null {
  const model = `'${target.model}'`;
  if (why === 'not_allowed')
    return keyRefusal(
      jobId,
      target.keyId,
      `which may no longer use the model ${model} (its allowed models changed)`,
    );
  const unavailable = (why: string) =>
    new EcoError(
      409,
      'job_model_unavailable',
      `Job '${jobId}' runs the model ${model}, which ${why}: a replay would fail at once. Submit the request again with a model that serves it.`,
      { param: 'id' },
    );
  if (why === 'unknown') return unavailable('no longer exists in the model registry');
  if (why === 'unsupported_capability')
    return unavailable(`no longer supports ${target.type} (the job is a ${target.type} job)`);
  return null;
}
