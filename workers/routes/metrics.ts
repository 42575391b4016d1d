import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { EcoError } from '../../schemas/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { credentialErrors, errorAnswer } from '../http/openapi-errors.ts';
import { metricsSources } from '../metrics/registry.ts';
import { authenticate, bearerToken, refuseIfThrottled } from '../middleware/auth.ts';
import { hasScope } from '../principal.ts';

const encoder = new TextEncoder();

/** Constant-time comparison of two secrets (digests first, so lengths never leak either). */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(a)),
    crypto.subtle.digest('SHA-256', encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(da, db);
}

/** The scrape token (`ECO_METRICS_TOKEN`), or any credential with the admin scope. */
async function authorize(c: Context<AppEnv>): Promise<void> {
  const token = bearerToken(c.req.header('authorization'));
  // Before the comparison: a blocked address gets no guess at the metrics token judged either.
  refuseIfThrottled(c, token);
  const metricsToken = c.env.ECO_METRICS_TOKEN;
  if (typeof metricsToken === 'string' && metricsToken.length > 0 && (await sameSecret(token, metricsToken)))
    return;
  await authenticate(c, async () => {});
  if (!hasScope(c.get('principal'), 'admin'))
    throw new EcoError(403, 'insufficient_scope', "/metrics needs the 'admin' scope or the metrics token.");
}

/** GET /metrics: Prometheus text from every registered source (pools, and whatever others add). */
export function registerMetricsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (the metrics token, or a key with the admin scope)',
    security: [{ bearer: [] }],
    responses: {
      200: {
        description: 'Prometheus text exposition format 0.0.4',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
      ...credentialErrors,
      403: errorAnswer("Neither the metrics token nor a key with the 'admin' scope"),
    },
  });
  app.get('/metrics', async (c) => {
    await authorize(c);
    const results = await Promise.allSettled(metricsSources.map((source) => source(c.env)));
    let failed = 0;
    let text = '';
    for (const r of results) {
      if (r.status === 'fulfilled') text += r.value;
      else failed++;
    }
    text += `# HELP eco_metrics_source_failures Metric sources that failed during this scrape.\n# TYPE eco_metrics_source_failures gauge\neco_metrics_source_failures ${failed}\n`;
    return c.body(text, 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      'cache-control': 'no-store',
    });
  });
}
