import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env.ts';
import { warmRegistry } from '../data/registry.ts';

/**
 * Before authentication: start loading the model registry if this isolate's copy is stale, so the two
 * D1 reads of a request after an idle spell (its key, the registry) run side by side.
 */
export const registryWarmup = createMiddleware<AppEnv>(async (c, next) => {
  warmRegistry(c.env.DB, (work) => c.executionCtx.waitUntil(work));
  await next();
});
