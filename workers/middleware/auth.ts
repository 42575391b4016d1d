import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { EcoError } from '../../schemas/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { ensureBootstrapKey } from '../auth/bootstrap.ts';
import { throttledAddress } from '../auth/client-address.ts';
import { FailureThrottle } from '../auth/failure-throttle.ts';
import { authenticateInternal, isInternalToken } from '../auth/internal-auth.ts';
import { authenticateJwt } from '../auth/jwt-auth.ts';
import { MAX_JWT_BYTES } from '../auth/jwt-config.ts';
import { looksLikeJwt } from '../auth/jwt-verify.ts';
import { touchLastUsed } from '../auth/last-used.ts';
import { settings } from '../config/read-settings.ts';
import { authenticateApiKey, knownApiKey } from '../data/api-keys.ts';
import { sha256Hex } from '../data/key-hash.ts';
import type { Background } from '../data/ttl-cache.ts';
import type { Env } from '../env.ts';
import { hasScope, type Principal, type Scope } from '../principal.ts';

/** Extract the bearer credential; anything else is a 401 with a message that says what was wrong. */
export function bearerToken(header: string | undefined): string {
  if (!header)
    throw new EcoError(401, 'missing_api_key', 'Send an API key as `Authorization: Bearer <key>`.');
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
  // Headers sent twice arrive joined by commas (often a proxy adding its own).
  if (!match && /^Bearer[ \t]+\S+\s*,\s*\S/i.test(header))
    throw new EcoError(
      401,
      'invalid_authorization',
      'Send one Authorization header; this request has several (joined by commas).',
    );
  if (!match)
    throw new EcoError(401, 'invalid_authorization', 'The Authorization header must be `Bearer <key>`.');
  const token = match[1]!;
  if (token.length > MAX_JWT_BYTES) {
    if (looksLikeJwt(token))
      throw new EcoError(401, 'jwt_too_large', `The JWT is larger than ${MAX_JWT_BYTES} bytes.`);
    throw new EcoError(401, 'invalid_api_key', 'The credential is too long.');
  }
  return token;
}

/** `background` (a `waitUntil`) lets a strategy refresh cached lookups off the request's path. */
export type Authenticator = (env: Env, token: string, background?: Background) => Promise<Principal>;

/** Strategies tried by credential shape; anything else is an API key. */
const authenticators: { matches: (token: string) => boolean; authenticate: Authenticator }[] = [
  { matches: isInternalToken, authenticate: authenticateInternal },
  { matches: looksLikeJwt, authenticate: authenticateJwt },
];

export function registerAuthenticator(
  matches: (token: string) => boolean,
  authenticate: Authenticator,
): void {
  authenticators.push({ matches, authenticate });
}

/**
 * An API key; an unknown key may be the configured bootstrap secret, inserted on its first use.
 * `background` lets the key cache refresh a lookup before it expires, off the request's path.
 */
async function authenticateKey(env: Env, token: string, background: Background): Promise<Principal> {
  try {
    return await authenticateApiKey(env.DB, token, settings(env).ECO_KEY_CACHE_TTL_MS, background);
  } catch (err) {
    if (!(err instanceof EcoError) || err.code !== 'invalid_api_key' || !env.ECO_BOOTSTRAP_ADMIN_KEY)
      throw err;
    await ensureBootstrapKey(env, token, await sha256Hex(token));
    return authenticateApiKey(env.DB, token, settings(env).ECO_KEY_CACHE_TTL_MS);
  }
}

let failures: FailureThrottle | undefined;

/** ECO_AUTH_FAILURES_PER_MIN (default 60; 0 turns it off), per client address and isolate. */
function failureThrottle(env: Env): FailureThrottle {
  failures ??= new FailureThrottle(settings(env).ECO_AUTH_FAILURES_PER_MIN);
  return failures;
}

/**
 * 429 while the caller's address is blocked for failed credentials, unless `token` is an API key the
 * isolate already knows. Also asked before any other secret a route compares (the metrics token), so
 * that guessing it is bounded like guessing keys.
 */
export function refuseIfThrottled(c: Context<AppEnv>, token: string): void {
  // Cloudflare sets it on every request; without it (local tools) there is no address to throttle.
  const address = c.req.header('cf-connecting-ip');
  const throttle = failureThrottle(c.env);
  // The address is only looked at once some address has failed: no cost on the usual path.
  if (address === undefined || throttle.idle) return;
  const waitMs = throttle.blockedFor(throttledAddress(address), Date.now());
  if (waitMs !== undefined && !knownApiKey(token)) {
    throw new EcoError(
      429,
      'too_many_auth_failures',
      'Too many requests with invalid credentials from this address; try again later.',
      { retryAfterMs: waitMs },
    );
  }
}

export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header('authorization'));
  const custom = authenticators.find((a) => a.matches(token));
  const background: Background = (work) => c.executionCtx.waitUntil(work);
  const address = c.req.header('cf-connecting-ip');
  const throttle = failureThrottle(c.env);
  if (!custom) refuseIfThrottled(c, token);
  let principal: Principal;
  try {
    principal = custom
      ? await custom.authenticate(c.env, token, background)
      : await authenticateKey(c.env, token, background);
  } catch (err) {
    if (address !== undefined && err instanceof EcoError && err.status === 401)
      throttle.record(throttledAddress(address), Date.now());
    throw err;
  }
  c.set('principal', principal);
  if (principal.kind === 'api_key' && !custom) {
    touchLastUsed(c.env.DB, principal.keyId, background);
  }
  await next();
});

export function requireScope(scope: Scope) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!hasScope(c.get('principal'), scope)) {
      throw new EcoError(403, 'insufficient_scope', `This key lacks the '${scope}' scope.`);
    }
    await next();
  });
}
