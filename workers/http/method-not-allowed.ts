import type { OpenAPIHono } from '@hono/zod-openapi';
import { EcoError } from '../../schemas/errors.ts';
import type { AppEnv } from '../app-env.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

/**
 * Answer every other method on `path` (Hono syntax) with a 405 naming the ones it takes: a client that
 * used the wrong method learns that, instead of a 404 that says the path does not exist. OPTIONS is
 * left to CORS; HEAD is answered wherever GET is.
 */
export function refuseOtherMethods(app: OpenAPIHono<AppEnv>, path: string, allowed: Method[]): void {
  const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', ');
  const others = METHODS.filter((m) => !allowed.includes(m));
  app.on(others, path, (c) => {
    throw new EcoError(
      405,
      'method_not_allowed',
      `Invalid method for URL (${c.req.method} ${c.req.path}); use ${allow}.`,
      {
        headers: { allow },
      },
    );
  });
}
