import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env.ts';
import { ServerTiming } from '../http/server-timing.ts';

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request id (a caller's own is kept when sane), timing, and the two headers every response carries. */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const incoming = c.req.header('x-request-id');
  const requestId = incoming && VALID_ID.test(incoming) ? incoming : crypto.randomUUID();
  const timing = new ServerTiming();
  c.set('requestId', requestId);
  c.set('timing', timing);
  await next();
  c.res.headers.set('x-request-id', requestId);
  if (!c.res.headers.has('server-timing')) c.res.headers.set('server-timing', timing.header());
});
