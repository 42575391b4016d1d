import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { EcoError } from '../../schemas/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { settings } from '../config/read-settings.ts';

const ALLOW_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
const GATEWAY_HEADERS = [
  'authorization',
  'content-type',
  'idempotency-key',
  'traceparent',
  'x-request-id',
  'x-eco-priority',
  'x-eco-pool',
  'x-eco-affinity',
];
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]{1,64}$/;
const MAX_ASKED_HEADERS = 32;
const EXPOSE_HEADERS = [
  'x-request-id',
  'retry-after',
  'retry-after-ms',
  'server-timing',
  'x-eco-refused-by',
  'x-should-retry',
  ...['requests', 'tokens'].flatMap((k) => [
    `x-ratelimit-limit-${k}`,
    `x-ratelimit-remaining-${k}`,
    `x-ratelimit-reset-${k}`,
  ]),
].join(', ');

interface CorsPolicy {
  any: boolean;
  origins: ReadonlySet<string>;
  credentials: boolean;
}

const policies = new WeakMap<readonly string[], Omit<CorsPolicy, 'credentials'>>();

/** The policy of a read ECO_CORS_ORIGINS (origins already exact and lower case; see parse-text-setting.ts). */
function policy(list: readonly string[], credentials: boolean): CorsPolicy {
  let p = policies.get(list);
  if (!p) {
    p = { any: list.includes('*'), origins: new Set(list.filter((o) => o !== '*')) };
    policies.set(list, p);
  }
  return { ...p, credentials };
}

/**
 * The gateway's own request headers plus those the preflight asks for: SDKs add their own to every call
 * (the openai client's `x-stainless-*`, `openai-organization`), and a browser sends nothing unless each
 * is allowed. Only an origin already allowed gets here; a list that does not parse is not echoed.
 */
function allowHeaders(asked: string | undefined): string {
  const names = new Set(GATEWAY_HEADERS);
  const list = (asked ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  if (list.length <= MAX_ASKED_HEADERS && list.every((h) => HEADER_NAME.test(h))) {
    for (const name of list) names.add(name);
  }
  return [...names].join(', ');
}

/** Change the response's headers, copying it first when they are immutable (a proxied response). */
function decorate(c: Context<AppEnv>, change: (headers: Headers) => void): void {
  try {
    change(c.res.headers);
  } catch {
    c.res = new Response(c.res.body, c.res);
    change(c.res.headers);
  }
}

/**
 * CORS for browser callers. ECO_CORS_ORIGINS is a comma list of exact origins (or `*`; an entry that is
 * not an origin is left out and reported, never widened); preflights are
 * answered here, before authentication. Credentials (ECO_CORS_CREDENTIALS=true) are only ever allowed
 * for an explicitly listed origin, never with the wildcard.
 */
export const cors = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header('origin');
  const config = settings(c.env);
  const p = policy(config.ECO_CORS_ORIGINS, config.ECO_CORS_CREDENTIALS);
  if (!origin) {
    await next();
    // Without Vary a shared cache could serve this answer, which has no CORS headers, to a browser.
    if (p.any || p.origins.size > 0) decorate(c, (headers) => headers.append('vary', 'Origin'));
    return;
  }
  const listed = p.origins.has(origin.toLowerCase());
  const allowed = listed || p.any;
  const preflight = c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined;

  const apply = (headers: Headers) => {
    headers.append('vary', 'Origin');
    if (!allowed) return;
    headers.set('access-control-allow-origin', listed ? origin : '*');
    if (listed && p.credentials) headers.set('access-control-allow-credentials', 'true');
  };

  if (preflight) {
    if (!allowed) {
      throw new EcoError(403, 'cors_origin_not_allowed', `The origin '${origin}' may not call this API.`, {
        headers: { vary: 'Origin' },
      });
    }
    const headers = new Headers();
    apply(headers);
    headers.set('access-control-allow-methods', ALLOW_METHODS);
    headers.set('access-control-allow-headers', allowHeaders(c.req.header('access-control-request-headers')));
    headers.set('access-control-max-age', String(config.ECO_CORS_MAX_AGE_S));
    headers.append('vary', 'Access-Control-Request-Method, Access-Control-Request-Headers');
    return new Response(null, { status: 204, headers });
  }

  await next();
  decorate(c, (headers) => {
    apply(headers);
    if (allowed) headers.set('access-control-expose-headers', EXPOSE_HEADERS);
  });
});
