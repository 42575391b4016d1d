import { createMiddleware } from 'hono/factory';
import { EcoError } from '../../schemas/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { authenticateInternal, isInternalToken } from '../auth/internal-auth.ts';
import { authenticateApiKey } from '../data/api-keys.ts';
import type { Env } from '../env.ts';
import { hasScope, type Principal, type Scope } from '../principal.ts';

const MAX_TOKEN_LENGTH = 8192;

/** Extract the bearer credential; anything else is a 401 with a message that says what was wrong. */
export function bearerToken(header: string | undefined): string {
  if (!header)
    throw new EcoError(401, 'missing_api_key', 'Send an API key as `Authorization: Bearer <key>`.');
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
  if (!match)
    throw new EcoError(401, 'invalid_authorization', 'The Authorization header must be `Bearer <key>`.');
  const token = match[1]!;
  if (token.length > MAX_TOKEN_LENGTH)
    throw new EcoError(401, 'invalid_api_key', 'The credential is too long.');
  return token;
}

export type Authenticator = (env: Env, token: string) => Promise<Principal>;

/** Strategies tried by credential shape; API keys are the default. JWT plugs in here. */
const authenticators: { matches: (token: string) => boolean; authenticate: Authenticator }[] = [
  { matches: isInternalToken, authenticate: authenticateInternal },
];

export function registerAuthenticator(
  matches: (token: string) => boolean,
  authenticate: Authenticator,
): void {
  authenticators.push({ matches, authenticate });
}

export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header('authorization'));
  const custom = authenticators.find((a) => a.matches(token));
  const principal = custom
    ? await custom.authenticate(c.env, token)
    : await authenticateApiKey(c.env.DB, token, c.env.ECO_KEY_CACHE_TTL_MS);
  c.set('principal', principal);
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
