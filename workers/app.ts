import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { asEcoError, EcoError } from '../schemas/errors.ts';
import type { AppEnv } from './app-env.ts';
import { errorResponse } from './http/error-response.ts';
import { refuseOtherMethodsEverywhere } from './http/method-not-allowed.ts';
import { logIfOperatorFault } from './http/operator-fault.ts';
import { validationError } from './http/validation.ts';
import { authenticate } from './middleware/auth.ts';
import { cors } from './middleware/cors.ts';
import { registryWarmup } from './middleware/registry-warmup.ts';
import { requestContext } from './middleware/request-context.ts';
import { registerAdminBotRoutes } from './routes/admin-bots.ts';
import { registerAdminKeyRoutes } from './routes/admin-keys.ts';
import { registerAdminPoolRoutes } from './routes/admin-pools.ts';
import { registerAuthTokenRoutes } from './routes/auth-token.ts';
import { registerChatRoutes } from './routes/chat.ts';
import { registerCompletionRoutes } from './routes/completions.ts';
import { registerDocsRoutes } from './routes/docs.ts';
import { registerGovernanceRoutes } from './routes/governance.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerMetricsRoutes } from './routes/metrics.ts';
import { registerModelRoutes } from './routes/models.ts';
import { registerUsageRoutes } from './routes/usage.ts';
import { registerWebhookRoutes } from './routes/webhooks.ts';

/** The gateway's HTTP surface. Every error, wherever thrown, leaves through `onError` in OpenAI's shape. */
export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error);
    },
  });

  app.use('*', requestContext);
  app.use('*', cors);
  // Webhooks verify platform signatures and /metrics its own token; everything else is bearer-authenticated.
  registerWebhookRoutes(app);
  registerMetricsRoutes(app);
  app.use('/v1/*', registryWarmup);
  app.use('/v1/*', authenticate);
  app.use('/admin/*', authenticate);

  registerHealthRoutes(app);
  registerDocsRoutes(app);
  registerModelRoutes(app);
  registerChatRoutes(app);
  registerCompletionRoutes(app);
  registerAuthTokenRoutes(app);
  registerUsageRoutes(app);
  registerAdminKeyRoutes(app);
  registerAdminPoolRoutes(app);
  registerAdminBotRoutes(app);
  registerJobRoutes(app);
  registerGovernanceRoutes(app);
  refuseOtherMethodsEverywhere(app);

  app.notFound((c) => respondWithError(c, new EcoError(404, 'not_found', 'No such route.')));
  app.onError((err, c) => {
    const error =
      err instanceof HTTPException && !(err instanceof EcoError)
        ? new EcoError(err.status, err.status === 413 ? 'body_too_large' : 'invalid_request', err.message)
        : asEcoError(err);
    if (error.status >= 500 && error.code === 'internal_error') console.error('internal error', err);
    else
      logIfOperatorFault(error, {
        request_id: c.get('requestId') ?? null,
        method: c.req.method,
        path: c.req.path,
      });
    return respondWithError(c, error);
  });
  return app;
}

function respondWithError(c: Context<AppEnv>, error: EcoError): Response {
  const response = errorResponse(error);
  response.headers.set('x-request-id', c.get('requestId') ?? '');
  const timing = c.get('timing');
  if (timing) response.headers.set('server-timing', timing.header());
  return response;
}
