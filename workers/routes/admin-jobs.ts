import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { jobSettings } from '../../durable-objects/job-queue/config.ts';
import { apiKeys } from '../../schemas/db/api-keys.ts';
import { EcoError } from '../../schemas/errors.ts';
import { Job, JobList } from '../../schemas/jobs.ts';
import { adminErrors, jsonDoc } from '../admin/route-docs.ts';
import type { AppEnv } from '../app-env.ts';
import { auditInsert } from '../auth/audit.ts';
import { db } from '../data/db.ts';
import { jobNotFound } from '../jobs/job-not-found.ts';
import { jobListPage } from '../jobs/list-page.ts';
import { listQuery, tenantFilter } from '../jobs/list-params.ts';
import { deadLetterSource } from '../jobs/list-sources.ts';
import { requireReplayableJob } from '../jobs/replay-key.ts';
import { shardCall } from '../jobs/shard-call.ts';
import { stubForJob } from '../jobs/shards.ts';
import { requireScope } from '../middleware/auth.ts';

/** The dead letter (failed jobs across tenants) and replay, for admins. */
export function registerAdminJobRoutes(app: OpenAPIHono<AppEnv>): void {
  const security = [{ bearer: [] }];
  const idParam = z.object({ id: z.string() });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/admin/jobs/dead-letter',
    summary: 'Failed jobs across tenants, newest first within each group of shards read (admin)',
    security,
    request: {
      query: z.object({
        tenant: z.string().optional(),
        limit: z.string().optional(),
        cursor: z.string().optional(),
      }),
    },
    responses: {
      200: jsonDoc(JobList, 'A page of failed jobs'),
      ...adminErrors({
        400: 'A limit or cursor that is not valid, an empty tenant, or tenant, limit or cursor given more than once',
        503: 'A job queue shard did not answer (job_queue_unavailable); retry after Retry-After',
      }),
    },
  });
  app.get('/admin/jobs/dead-letter', requireScope('admin'), async (c) => {
    const query = listQuery((param) => c.req.queries(param));
    const source = deadLetterSource(c.env, tenantFilter(query('tenant')));
    const page = { limit: query('limit'), cursor: query('cursor') };
    const shards = jobSettings(c.env).deadLetterShards;
    return c.json(await shardCall(() => jobListPage(source, shards, page)), 200);
  });

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/admin/jobs/{id}/replay',
    summary: 'Queue a failed job again with fresh attempts (admin)',
    security,
    request: { params: idParam },
    responses: {
      202: jsonDoc(Job, 'Queued again'),
      ...adminErrors({
        404: 'No such job',
        409: "The job is not failed (job_not_failed); the API key it runs as was deleted, revoked or expired, lacks the inference scope, has an invalid record or may no longer use the job's model (job_key_unusable); or the job's model left the registry or no longer serves the job's type (job_model_unavailable)",
        503: "The job queue shard did not answer (job_queue_unavailable), or the job's model has no configured pool (origin_unavailable); retry after Retry-After",
      }),
    },
  });
  app.post('/admin/jobs/:id/replay', requireScope('admin'), async (c) => {
    const id = c.req.param('id');
    const stub = stubForJob(c.env, id);
    if (!stub) throw jobNotFound(id);
    // The key and the model are checked before the job is touched: a run that would fail at once is
    // refused, not queued.
    const target = await shardCall(() => stub.replayTarget(id));
    if (!target.found) throw jobNotFound(id);
    if (!target.failed) throw notFailed();
    await requireReplayableJob(c.env, id, target);
    const result = await shardCall(() => stub.replay(id));
    if (result.ok) {
      // The job is queued again whatever happens to its audit row (it cannot share a batch with the
      // shard's write): a failed write is logged, never answered as a failure of the replay.
      await auditReplay(c, id, target).catch((err: unknown) =>
        console.error(
          JSON.stringify({
            level: 'error',
            event: 'audit_write_failed',
            action: 'job.replay',
            target: id,
            error: String(err),
          }),
        ),
      );
      return c.json(result.job, 202);
    }
    if (result.reason === 'not_found') throw jobNotFound(id);
    throw notFailed();
  });
}

const notFailed = () =>
  new EcoError(409, 'job_not_failed', 'Only failed jobs can be replayed.', { param: 'id' });

/**
 * The audit row of a replay that was made. The job's tenant is its key's: a job runs as the key that
 * submitted it, and a key's tenant never changes (null if the key was deleted since the check).
 */
async function auditReplay(
  c: Context<AppEnv>,
  id: string,
  target: { keyId: string; model: string },
): Promise<void> {
  const [key] = await db(c.env.DB)
    .select({ tenant: apiKeys.tenant })
    .from(apiKeys)
    .where(eq(apiKeys.id, target.keyId))
    .limit(1);
  await auditInsert(c.env.DB, {
    actorKeyId: c.get('principal').keyId,
    action: 'job.replay',
    target: id,
    detail: { tenant: key?.tenant ?? null, keyId: target.keyId, model: target.model },
  });
}
