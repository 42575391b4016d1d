import { EcoError } from '../../schemas/errors.ts';
import type { JobError } from '../../schemas/jobs.ts';
import { mintInternalToken } from '../../workers/auth/internal-token.ts';
import { REFUSED_BY_HEADER } from '../../workers/dispatch/refused-by.ts';
import type { Env } from '../../workers/env.ts';
import { readBounded } from './bounded-body.ts';
import type { ExecOutcome, Executor } from './job-engine.ts';
import { jobError } from './job-store.ts';
import { dispatchPriority } from './ordering.ts';
import { MAX_RESULT_BYTES } from './row-limits.ts';

const PATHS = { chat: '/v1/chat/completions', completion: '/v1/completions' } as const;

export { MAX_RESULT_BYTES };

/**
 * Runs an attempt through the gateway's own public pipeline (the SELF service binding), acting as the
 * key that submitted the job: the same admission, limits, dispatch, failover and usage as a sync call.
 */
export function selfExecutor(env: Env, fetcher: () => Fetcher = () => env.SELF): Executor {
  return async (job, signal) => {
    let token: string;
    try {
      token = await mintInternalToken(env, job.key_id, `job:${job.id}`);
    } catch (err) {
      return unrunnable(err);
    }
    let response: Response;
    try {
      response = await fetcher().fetch(`https://gateway${PATHS[job.type]}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'x-eco-priority': dispatchPriority(job.priority),
          'x-request-id': `${job.id}.${job.attempts}`,
        },
        body: job.request,
        signal,
      });
    } catch (err) {
      return {
        kind: 'failed',
        retryable: true,
        error: jobError(null, signal.aborted ? 'job_aborted' : 'network_error', String(err), 'api_error'),
        // Cut off by a cancel or time limit, the call was under way; otherwise no answer ever came.
        ...(signal.aborted ? {} : { unsent: true }),
      };
    }
    let body: unknown;
    try {
      const text = await readBounded(response, MAX_RESULT_BYTES);
      if (text === null) return tooLarge(response);
      body = JSON.parse(text);
    } catch (err) {
      return {
        kind: 'failed',
        retryable: true,
        error: jobError(response.status, 'invalid_response', `The gateway answered unreadable JSON: ${err}`),
      };
    }
    if (response.ok) {
      const usage = (body as { usage?: unknown }).usage ?? null;
      return { kind: 'succeeded', result: body, usage };
    }
    return failure(response, body);
  };
}

/**
 * No credential could be minted (ECO_INTERNAL_SECRET unset: 500 `internal_auth_unconfigured`): nothing
 * was sent, and no retry fixes the configuration, so the job fails at once with that error rather than
 * spending its attempts as network errors.
 */
function unrunnable(err: unknown): ExecOutcome {
  if (err instanceof EcoError)
    return {
      kind: 'failed',
      retryable: false,
      unsent: true,
      error: jobError(err.status, err.code, err.message),
    };
  // Anything else (WebCrypto failing) is not the configuration: retried as any failure of the runtime.
  const message = `The job's credential could not be made: ${String(err)}`;
  return {
    kind: 'failed',
    retryable: true,
    unsent: true,
    error: jobError(500, 'job_executor_error', message),
  };
}

/** An answer too large to keep: running it again would only produce another one. */
function tooLarge(response: Response): ExecOutcome {
  if (!response.ok) return failure(response, null);
  return {
    kind: 'failed',
    retryable: false,
    error: jobError(
      null,
      'result_too_large',
      `The answer is larger than the ${MAX_RESULT_BYTES} bytes a job keeps; ask for fewer tokens or choices.`,
      'invalid_request_error',
    ),
  };
}

function failure(response: Response, body: unknown): ExecOutcome {
  const status = response.status;
  const detail = (body as { error?: Partial<JobError> } | null)?.error;
  const error = jobError(
    status,
    typeof detail?.code === 'string' ? detail.code : `http_${status}`,
    typeof detail?.message === 'string' ? detail.message : `The gateway answered ${status}.`,
    typeof detail?.type === 'string' ? detail.type : undefined,
  );
  const retryAfterMs = retryAfter(response.headers);
  return {
    kind: 'failed',
    retryable: status === 429 || status >= 500,
    error,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(response.headers.get(REFUSED_BY_HEADER) === 'pool' ? { refusedByPool: true } : {}),
  };
}

function retryAfter(headers: Headers): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const seconds = Number(headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
