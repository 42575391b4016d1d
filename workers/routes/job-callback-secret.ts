import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { tenantCallbackSecret } from '../../durable-objects/job-queue/tenant-callback-secret.ts';
import type { AppEnv } from '../app-env.ts';
import { refuseOtherMethods } from '../http/method-not-allowed.ts';
import { CREDENTIAL_HEADERS } from '../http/no-store.ts';
import { credentialErrors, errorAnswer } from '../http/openapi-errors.ts';
import { callbackRootSecret, callbacksUnavailable } from '../jobs/job-request.ts';
import { requireScope } from '../middleware/auth.ts';

const JobCallbackSecret = z
  .object({
    object: z.literal('job_callback_secret'),
    tenant: z.string(),
    secret: z.string().openapi({
      description: "The HMAC-SHA256 key of `x-eco-signature` on this tenant's job callbacks, as UTF-8",
    }),
  })
  .openapi('JobCallbackSecret');

/**
 * GET /v1/jobs/callback-secret: the secret a receiver checks this tenant's callbacks with. Registered
 * before GET /v1/jobs/:id, which would otherwise take `callback-secret` for a job id.
 */
export function registerJobCallbackSecretRoute(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/jobs/callback-secret',
    summary: "The secret that signs this tenant's job callbacks (no other tenant's callbacks verify with it)",
    security: [{ bearer: [] }],
    responses: {
      200: { description: 'The secret', content: { 'application/json': { schema: JobCallbackSecret } } },
      400: errorAnswer('ECO_JOB_CALLBACK_SECRET is not configured (`callbacks_unavailable`)'),
      ...credentialErrors,
      403: errorAnswer('Missing the `jobs` scope'),
    },
  });
  app.get('/v1/jobs/callback-secret', requireScope('jobs'), async (c) => {
    const root = callbackRootSecret(c.env);
    if (root === undefined) throw callbacksUnavailable(null);
    const { tenant } = c.get('principal');
    const secret = await tenantCallbackSecret(root, tenant);
    return c.json({ object: 'job_callback_secret' as const, tenant, secret }, 200, CREDENTIAL_HEADERS);
  });
  // Here too, not only once every route is in: DELETE /v1/jobs/:id would take the path first.
  refuseOtherMethods(app, '/v1/jobs/callback-secret', ['GET']);
}
