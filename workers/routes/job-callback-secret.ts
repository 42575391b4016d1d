import { type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  callbackRootSecret,
  tenantCallbackSecret,
} from '../../durable-objects/job-queue/tenant-callback-secret.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { refuseOtherMethods } from '../http/method-not-allowed.ts';
import { CREDENTIAL_HEADERS } from '../http/no-store.ts';
import { credentialErrors, errorAnswer } from '../http/openapi-errors.ts';
import { callbacksUnavailable } from '../jobs/job-request.ts';
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
      403: errorAnswer('Missing the `jobs` scope, or asked with a token instead of an API key'),
    },
  });
  app.get('/v1/jobs/callback-secret', requireScope('jobs'), async (c) => {
    const { kind, tenant } = c.get('principal');
    // A receiver's key belongs on the tenant's servers: short-lived tokens, handed to browsers and
    // bridges, and identity-provider users (who may share a default tenant) do not get it.
    if (kind !== 'api_key')
      throw new EcoError(
        403,
        'callback_secret_needs_api_key',
        'The callback signing secret is given to API keys only: ask with the API key itself, not a token.',
      );
    const root = callbackRootSecret(c.env);
    if (root === undefined) throw callbacksUnavailable(null);
    const secret = await tenantCallbackSecret(root, tenant);
    return c.json({ object: 'job_callback_secret' as const, tenant, secret }, 200, CREDENTIAL_HEADERS);
  });
  // Here too, not only once every route is in: DELETE /v1/jobs/:id would take the path first.
  refuseOtherMethods(app, '/v1/jobs/callback-secret', ['GET']);
}
