import type { OpenAPIHono } from '@hono/zod-openapi';
import { EcoError } from '../../schemas/errors.ts';
import type { AppEnv } from '../app-env.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

const isMethod = (m: string): m is Method => (METHODS as readonly string[]).includes(m);

/**
 * Answer every other method on `path` (Hono syntax) with a 405 naming the ones it takes: a client that
 * used the wrong method learns that, instead of a 404 that says the path does not exist. OPTIONS answers
 * 204 with the same list (CORS preflights never get here); HEAD is answered wherever GET is.
 */
export function refuseOtherMethods(app: OpenAPIHono<AppEnv>, path: string, allowed: Method[]): void {
  const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', ');
  // A plain OPTIONS (a CORS preflight is answered before routing) asks what the path takes.
  app.on('OPTIONS', path, () => new Response(null, { status: 204, headers: { allow: `${allow}, OPTIONS` } }));
  const others = METHODS.filter((m) => !allowed.includes(m));
  if (others.length === 0) return;
  app.on(others, path, (c) => {
    throw new EcoError(
      405,
      'method_not_allowed',
      `Invalid method for URL (${c.req.method} ${c.req.path}); use ${allow}.`,
      { headers: { allow } },
    );
  });
}

/**
 * Give every path the app serves a 405 for the methods it does not take. Called once, after every
 * route is registered, so no route is left answering a wrong method with 404.
 */
export function refuseOtherMethodsEverywhere(app: OpenAPIHono<AppEnv>): void {
  const taken = new Map<string, Set<Method>>();
  for (const route of app.routes) {
    if (!isMethod(route.method) || route.path.includes('*')) continue;
    const methods = taken.get(route.path) ?? new Set<Method>();
    methods.add(route.method);
    taken.set(route.path, methods);
  }
  for (const [path, methods] of taken)
    refuseOtherMethods(
      app,
      path,
      METHODS.filter((m) => methods.has(m)),
    );
}
