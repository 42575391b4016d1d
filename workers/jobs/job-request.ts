import { capPriority } from '../../durable-objects/job-queue/ordering.ts';
import { MAX_REQUEST_BYTES, storedBytes } from '../../durable-objects/job-queue/row-limits.ts';
import { callbackRootSecret } from '../../durable-objects/job-queue/tenant-callback-secret.ts';
import type { PriorityClass } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';
import { CreateJobRequest, type JobType } from '../../schemas/jobs.ts';
import { ChatCompletionRequest } from '../../schemas/openai/chat.ts';
import { CompletionRequest } from '../../schemas/openai/completions.ts';
import { settings } from '../config/read-settings.ts';
import type { Env } from '../env.ts';
import { validationError } from '../http/validation.ts';
import { refuseUnservedChatFields } from '../pipeline/chat.ts';
import { refuseManyChoices } from '../pipeline/choices.ts';
import { resolveModel } from '../pipeline/resolve-model.ts';
import type { Principal } from '../principal.ts';
import { validateCallbackUrl } from './callback-url.ts';

export interface ValidJob {
  type: JobType;
  /** The sync request as it will be sent: validated, `stream` forced off. */
  request: Record<string, unknown>;
  model: string;
  priority: PriorityClass;
  timeoutSeconds: number | undefined;
  callbackUrl: string | undefined;
  metadata: Record<string, string> | undefined;
}

/** The model capability each job type needs (a replay checks it again). */
export const JOB_CAPABILITY: Record<JobType, string> = { chat: 'chat', completion: 'completion' };

/**
 * Metadata comes back exactly as given. A `__proto__` key is an ordinary JSON key, but copying it onto
 * a plain object (as parsing into a record does) drops it without a word: refuse it instead.
 */
function refuseProtoMetadataKey(raw: unknown): void {
  const metadata = (raw as { metadata?: unknown } | null)?.metadata;
  if (metadata === null || typeof metadata !== 'object' || !Object.hasOwn(metadata, '__proto__')) return;
  throw new EcoError(400, 'invalid_metadata', "metadata may not use the key '__proto__'.", {
    param: 'metadata.__proto__',
  });
}

/** A job body checked exactly as the sync API would check its request, before anything is stored. */
export async function validateJob(env: Env, principal: Principal, raw: unknown): Promise<ValidJob> {
  refuseProtoMetadataKey(raw);
  const parsed = CreateJobRequest.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error);
  const body = parsed.data;
  const schema = body.type === 'chat' ? ChatCompletionRequest : CompletionRequest;
  const inner = schema.safeParse(body.request);
  try {
    if (!inner.success) throw validationError(inner.error);
    // As the chat route refuses them when the job runs: a job that could only fail is not queued.
    if (body.type === 'chat') refuseUnservedChatFields(inner.data as ChatCompletionRequest);
    else refuseManyChoices(inner.data as CompletionRequest);
  } catch (err) {
    if (!(err instanceof EcoError)) throw err;
    const param = err.param === null ? 'request' : `request.${err.param}`;
    throw new EcoError(
      400,
      err.code,
      err.message.replace(`'${err.param}'`, () => `'${param}'`),
      { param },
    );
  }
  // Jobs answer with one JSON result: streaming makes no sense here, so it is switched off.
  const { stream: _stream, stream_options: _options, ...rest } = body.request;
  const request = { ...rest, stream: false };
  // The request shares one storage row with the result, whatever ECO_MAX_BODY_BYTES allows.
  if (storedBytes(request) > MAX_REQUEST_BYTES) {
    throw new EcoError(
      413,
      'job_request_too_large',
      `A job's request may be at most ${MAX_REQUEST_BYTES} bytes as JSON; send a smaller one.`,
      { param: 'request' },
    );
  }
  const model = inner.data.model;
  try {
    await resolveModel(env, principal, model, undefined, JOB_CAPABILITY[body.type]);
  } catch (err) {
    // The model is a field of the job's request: say so where the sync API says `model`.
    if (err instanceof EcoError && err.param === 'model') {
      throw new EcoError(err.status, err.code, err.message, {
        param: 'request.model',
        ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
      });
    }
    throw err;
  }

  let callbackUrl: string | undefined;
  if (body.callback_url !== undefined) {
    if (callbackRootSecret(env) === undefined) throw callbacksUnavailable('callback_url');
    const check = validateCallbackUrl(body.callback_url, {
      allowLoopback: settings(env).ECO_ENVIRONMENT === 'development',
    });
    if (!check.ok) {
      throw new EcoError(400, 'invalid_callback_url', `callback_url ${check.reason}.`, {
        param: 'callback_url',
      });
    }
    callbackUrl = check.url;
  }
  return {
    type: body.type,
    request,
    model,
    priority: capPriority(body.priority, principal.maxPriority),
    timeoutSeconds: body.timeout_seconds,
    callbackUrl,
    metadata: body.metadata,
  };
}

export function callbacksUnavailable(param: string | null): EcoError {
  return new EcoError(
    400,
    'callbacks_unavailable',
    'Callbacks need ECO_JOB_CALLBACK_SECRET to be configured.',
    {
      param,
    },
  );
}
