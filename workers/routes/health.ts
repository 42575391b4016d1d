import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { registry } from '../data/registry.ts';

/** Liveness (no dependencies) and readiness (D1 answers and at least one engine pool is configured). */
export function registerHealthRoutes(app: OpenAPIHono<AppEnv>): void {
  app.get('/health', (c) => c.json({ status: 'ok' }));

  app.get('/ready', async (c) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
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
    const ready = Object.values(checks).every((check) => check.ok);
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
  });
}
