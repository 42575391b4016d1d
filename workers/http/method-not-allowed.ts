import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
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
  if (others.length === 0) return;
  const refuse = (c: Context<AppEnv>): never => {
    throw new EcoError(
      405,
      'method_not_allowed',
      `Invalid method for URL (${c.req.method} ${c.req.path}); use ${allow}.`,
      {
        headers: { allow },
      },
    );
  };
  refusals.add(refuse);
  app.on(others, path, refuse);
}

/** The handlers refuseOtherMethods registered: not methods a path takes. */
const refusals = new WeakSet<(c: Context<AppEnv>) => never>();

const isMethod = (m: string): m is Method => (METHODS as readonly string[]).includes(m);

/**
 * Give every path the app serves, and has no 405 handler for yet, one for the methods it does not
 * take. Called once every route is registered, so no route is left answering a wrong method with 404.
 */
export function refuseOtherMethodsEverywhere(app: OpenAPIHono<AppEnv>): void {
  const taken = new Map<string, Set<Method>>();
  const refused = new Set<string>();
  for (const route of app.routes) {
    if (refusals.has(route.handler as never)) refused.add(route.path);
    else if (isMethod(route.method) && !route.path.includes('*')) {
      const methods = taken.get(route.path) ?? new Set<Method>();
      methods.add(route.method);
      taken.set(route.path, methods);
    }
  }
  for (const [path, methods] of taken)
    if (!refused.has(path))
      refuseOtherMethods(
        app,
        path,
        METHODS.filter((m) => methods.has(m)),
      );
}
