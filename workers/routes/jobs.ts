import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { jobSettings } from '../../durable-objects/job-queue/config.ts';
import type { SubmitInput, SubmitResult } from '../../durable-objects/job-queue/job-queue.ts';
import { shardBound } from '../../durable-objects/job-queue/queue-bound.ts';
import { MAX_REQUEST_BYTES } from '../../durable-objects/job-queue/row-limits.ts';
import { EcoError } from '../../schemas/errors.ts';
import { CreateJobRequest, Job, JobList, JobStatus } from '../../schemas/jobs.ts';
import { ErrorResponse } from '../../schemas/openai/error.ts';
import type { AppEnv } from '../app-env.ts';
import { settings as gatewaySettings } from '../config/read-settings.ts';
import { readJsonBody } from '../http/json-body.ts';
import { refuseTooManyValues } from '../http/json-values.ts';
import { credentialErrors, unsupportedEncodingAnswer } from '../http/openapi-errors.ts';
import { bodyHash } from '../jobs/canonical-hash.ts';
import { findIdempotentJob, idempotencyKey } from '../jobs/idempotent-lookup.ts';
import { jobNotFound } from '../jobs/job-not-found.ts';
import { requireApiKeyOwner, requireInferenceScope } from '../jobs/job-owner.ts';
import { type ValidJob, validateJob } from '../jobs/job-request.ts';
import { jobListPage } from '../jobs/list-page.ts';
import { listQuery, statusesFor } from '../jobs/list-params.ts';
import { tenantSource } from '../jobs/list-sources.ts';
import { withoutNullOptionals } from '../jobs/null-optionals.ts';
import { queueUnavailable, shardCall } from '../jobs/shard-call.ts';
import { listingShards, shardCounts } from '../jobs/shard-counts.ts';
import { type JobQueueStub, registerShard, shardStub, stubForJob } from '../jobs/shards.ts';
import { acceptedJob } from '../jobs/submit-result.ts';
import { submitShard } from '../jobs/submit-shard.ts';
import { requireScope } from '../middleware/auth.ts';
import { registerAdminJobRoutes } from './admin-jobs.ts';
import { registerJobCallbackSecretRoute } from './job-callback-secret.ts';

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
const errors = {
  ...credentialErrors,
  403: {
    description: 'Missing the `jobs` scope, or a token from the identity provider (`jobs_need_api_key`)',
    content: json(ErrorResponse),
  },
};
const badRequest = { 400: { description: 'Invalid request', content: json(ErrorResponse) } };
const notFound = { 404: { description: 'No such job', content: json(ErrorResponse) } };
const unavailable = {
  503: { description: 'A job queue shard did not answer; retry', content: json(ErrorResponse) },
};

/** Room for the envelope (type, metadata, callback) and formatting around a request of the stored limit. */
const MAX_JOB_BODY_BYTES = 2 * MAX_REQUEST_BYTES;

/** The shard call of a submit: a shard that does not answer is a clear 503, not an unexpected error. */
async function submitTo(stub: JobQueueStub, input: SubmitInput): Promise<SubmitResult> {
  try {
    return await stub.submit(input);
  } catch (err) {
    throw queueUnavailable(
      'The job queue did not answer; the job may not be queued. Retry with the same Idempotency-Key.',
      err,
    );
  }
}

function jobStub(c: Context<AppEnv>, id: string): JobQueueStub {
  const stub = stubForJob(c.env, id);
  if (!stub) throw jobNotFound(id);
  return stub;
}

/**
 * Who is asking and what the Idempotency-Key is come first. A body that today's checks refuse under a
 * key that already names a job for that very body answers that job: the key promised it, and the
 * checks that depend on configuration (scopes, the model registry, callbacks) may have changed since.
 */
async function createJob(c: Context<AppEnv>): Promise<Response> {
  const principal = c.get('principal');
  requireApiKeyOwner(principal);
  const settings = jobSettings(c.env);
  const key = idempotencyKey(c.req.header('idempotency-key'));
  // A job body never needs much more than its request's stored limit (checked exactly in validateJob).
  const maxBody = Math.min(gatewaySettings(c.env).ECO_MAX_BODY_BYTES, MAX_JOB_BODY_BYTES);
  const body = await readJsonBody(c.req.raw, maxBody);
  refuseTooManyValues(body);
  const raw = withoutNullOptionals(body);
  const scope = key === undefined ? undefined : `${principal.tenant}\n${principal.keyId}\n${key}`;
  let job: ValidJob;
  try {
    requireInferenceScope(principal);
    job = await validateJob(c.env, principal, raw);
  } catch (err) {
    if (scope === undefined || !(err instanceof EcoError)) throw err;
    const idempotency = { scope, bodyHash: await bodyHash(raw) };
    const earlier = await findIdempotentJob(c.env, principal.tenant, settings.shards, idempotency);
    if (earlier === null) throw err;
    return jobAnswer(c, acceptedJob(earlier, settings));
  }
  const shard = await submitShard(c.env, principal.tenant, settings.shards, scope);
  await registerShard(c.env, principal.tenant, shard);
  const result = await submitTo(shardStub(c.env, principal.tenant, shard), {
    tenant: principal.tenant,
    keyId: principal.keyId,
    type: job.type,
    priority: job.priority,
    model: job.model,
    request: job.request,
    metadata: job.metadata,
    callbackUrl: job.callbackUrl,
    baseUrl: new URL(c.req.url).origin,
    timeoutMs: (job.timeoutSeconds ?? settings.defaultTimeoutS) * 1000,
    maxAttempts: settings.maxAttempts,
    maxUnfinished: shardBound(settings.maxPending, settings.shards),
    ...(scope === undefined ? {} : { idempotency: { scope, bodyHash: await bodyHash(raw) } }),
  });
  return jobAnswer(c, acceptedJob(result, settings));
}

function jobAnswer(c: Context<AppEnv>, accepted: { job: Job; replayed: boolean }): Response {
  const headers: Record<string, string> = { location: accepted.job.url };
  if (accepted.replayed) headers['idempotent-replayed'] = 'true';
  return c.json(accepted.job, 202, headers);
}

export function registerJobRoutes(app: OpenAPIHono<AppEnv>): void {
  const security = [{ bearer: [] }];
  const idParam = z.object({ id: z.string() });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/jobs',
    summary: 'Submit an async chat or completion job',
    security,
    request: {
      headers: z.object({ 'idempotency-key': z.string().optional() }),
      body: { content: json(CreateJobRequest), required: true },
    },
    responses: {
      202: {
        description:
          "Queued; or, for an Idempotency-Key already used with this body, that job again (`idempotent-replayed: true`), even when checks that depend on configuration (the key's `inference` scope, the model registry, callbacks) would refuse the body now",
        content: json(Job),
      },
      ...errors,
      ...badRequest,
      403: {
        description:
          'Missing the `jobs` or `inference` scope, or a token that names no API key to run the job as',
        content: json(ErrorResponse),
      },
      404: { description: 'Unknown model', content: json(ErrorResponse) },
      409: { description: 'Idempotency-Key reused with a different body', content: json(ErrorResponse) },
      413: { description: 'The request is larger than a job stores', content: json(ErrorResponse) },
      415: unsupportedEncodingAnswer,
      429: {
        description:
          'Too many unfinished jobs for the tenant (`job_queue_full`), or too many invalid credentials from this address; retry after Retry-After',
        content: json(ErrorResponse),
      },
      500: { description: 'The job could not be stored (nothing was queued)', content: json(ErrorResponse) },
      503: {
        description:
          "The job queue did not answer, no engine pool is configured for the model (`origin_unavailable`; retry after Retry-After), or a JWT's identity provider keys could not be fetched",
        content: json(ErrorResponse),
      },
    },
  });
  app.post('/v1/jobs', requireScope('jobs'), createJob);

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/jobs',
    summary: "List the tenant's jobs, newest first",
    security,
    request: {
      query: z.object({
        status: JobStatus.optional(),
        limit: z.string().optional(),
        cursor: z.string().optional(),
      }),
    },
    responses: {
      200: { description: 'A page of jobs', content: json(JobList) },
      ...errors,
      ...badRequest,
      ...unavailable,
    },
  });
  app.get('/v1/jobs', requireScope('jobs'), async (c) => {
    const principal = c.get('principal');
    requireApiKeyOwner(principal, 'read');
    const settings = jobSettings(c.env);
    // Shards of an earlier, larger ECO_JOB_SHARDS too, while they may hold retained jobs.
    const counts = await shardCounts(c.env, settings.shards);
    const shards = listingShards(counts, settings.shards, settings.retentionMs);
    // Every shard of the tenant in one group, so the whole listing is newest first.
    const query = listQuery((param) => c.req.queries(param));
    const source = tenantSource(c.env, principal.tenant, shards, statusesFor(query('status')));
    const page = { limit: query('limit'), cursor: query('cursor') };
    return c.json(await shardCall(() => jobListPage(source, shards, page)), 200);
  });

  registerJobCallbackSecretRoute(app);

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/jobs/{id}',
    summary: 'Get a job: status, result, usage, error, transitions and attempts',
    security,
    request: { params: idParam },
    responses: {
      200: { description: 'The job', content: json(Job) },
      ...errors,
      ...notFound,
      ...unavailable,
    },
  });
  app.get('/v1/jobs/:id', requireScope('jobs'), async (c) => {
    const principal = c.get('principal');
    requireApiKeyOwner(principal, 'read');
    const id = c.req.param('id');
    const stub = jobStub(c, id);
    const job = await shardCall(() => stub.get(id, principal.tenant));
    if (!job) throw jobNotFound(id);
    return c.json(job, 200);
  });

  app.openAPIRegistry.registerPath({
    method: 'delete',
    path: '/v1/jobs/{id}',
    summary: 'Cancel a queued or running job (a running one has its origin request aborted)',
    security,
    request: { params: idParam },
    responses: {
      200: { description: 'The cancelled job', content: json(Job) },
      ...errors,
      ...notFound,
      409: { description: 'The job already finished', content: json(ErrorResponse) },
      ...unavailable,
    },
  });
  app.delete('/v1/jobs/:id', requireScope('jobs'), async (c) => {
    const principal = c.get('principal');
    requireApiKeyOwner(principal, 'read');
    const id = c.req.param('id');
    const stub = jobStub(c, id);
    const result = await shardCall(() => stub.cancel(id, principal.tenant));
    if (result.ok) return c.json(result.job, 200);
    if (result.reason === 'not_found') throw jobNotFound(id);
    throw new EcoError(409, 'job_not_cancellable', `The job already finished (${result.job.status}).`, {
      param: 'id',
    });
  });

  registerAdminJobRoutes(app);
}
