import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { credentialProblems, credentialWarnings } from '../auth/credential-problems.ts';
import { settingProblems } from '../config/read-settings.ts';
import { registry } from '../data/registry.ts';

const Health = z.object({ status: z.literal('ok') }).openapi('Health');

const Check = z.object({
  ok: z.boolean(),
  detail: z.string().optional(),
  problems: z
    .array(z.object({ name: z.string(), problem: z.string() }))
    .optional()
    .openapi({
      description:
        '`settings` and `credentials` only: each var the gateway cannot use as written, and why (never its value).',
    }),
  warnings: z
    .array(z.object({ name: z.string(), problem: z.string() }))
    .optional()
    .openapi({
      description:
        '`credentials` only: each secret the gateway uses but that should be replaced (an `ECO_METRICS_TOKEN` under 32 characters), and why (never its value); the check stays `ok` for these.',
    }),
});
const Readiness = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.record(z.string(), Check).openapi({
      description:
        'One entry per dependency: `d1`, `pools`, `models` (not ready while none is registered); `settings`, the `ECO_*` vars and their names, and `credentials`, the secrets and JWT vars (not ready while one is unusable or `ECO_INTERNAL_SECRET` is missing; a scrape token too short to be safe is only a warning).',
    }),
  })
  .openapi('Readiness');
type Readiness = z.infer<typeof Readiness>;

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Liveness',
  responses: {
    200: { description: 'The Worker answers', content: { 'application/json': { schema: Health } } },
  },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/ready',
  summary: 'Readiness',
  responses: {
    200: {
      description:
        'D1 answers, an engine pool is configured, a model is registered and every setting and secret is usable',
      content: { 'application/json': { schema: Readiness } },
    },
    503: { description: 'A check failed', content: { 'application/json': { schema: Readiness } } },
  },
});

/**
 * Liveness (no dependencies) and readiness (D1 answers, at least one engine pool is configured and one
 * model registered, no `ECO_*` setting is unusable or misspelt: the gateway runs with a fallback
 * meanwhile, which is not what was deployed; and no secret or JWT var is missing or unusable, which
 * fails the first request that needs it; a scrape token shorter than 32 characters is a warning only).
 */
export function registerHealthRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));

  app.openapi(readyRoute, async (c) => {
    const checks: Readiness['checks'] = {};
    try {
      await c.env.DB.prepare('SELECT 1').first();
      checks.d1 = { ok: true };
    } catch (err) {
      checks.d1 = { ok: false, detail: String(err).slice(0, 200) };
    }
    if (checks.d1.ok) {
      try {
        const snapshot = await registry(c.env.DB, Date.now(), (work) => c.executionCtx.waitUntil(work));
        const pools = snapshot.pools.size;
        checks.pools =
          pools > 0 ? { ok: true, detail: `${pools} configured` } : { ok: false, detail: 'none configured' };
        checks.models = { ok: snapshot.models.length > 0, detail: `${snapshot.models.length} registered` };
      } catch (err) {
        checks.pools = { ok: false, detail: String(err).slice(0, 200) };
      }
    } else {
      checks.pools = { ok: false, detail: 'D1 unavailable' };
    }
    const problems = settingProblems(c.env);
    checks.settings =
      problems.length === 0
        ? { ok: true }
        : { ok: false, detail: `${problems.length} unusable`, problems: [...problems] };
    const credentials = credentialProblems(c.env);
    const warnings = credentialWarnings(c.env);
    checks.credentials = {
      ...(credentials.length === 0
        ? { ok: true }
        : { ok: false, detail: `${credentials.length} unusable`, problems: credentials }),
      ...(warnings.length > 0 ? { warnings } : {}),
    };
    const ready = Object.values(checks).every((check) => check.ok);
    const body = { status: ready ? ('ready' as const) : ('not_ready' as const), checks };
    return ready ? c.json(body, 200) : c.json(body, 503);
  });
}
