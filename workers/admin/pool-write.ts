import { PoolConfig } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';
import { botsNamingSecret, isGatewaySecretName } from '../auth/pool-secret-names.ts';
import { checkPoolSettings } from './pool-settings.ts';

/** Field names are tokens (RFC 9110 §5.1); any other name makes `Headers.set` throw on every request. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values: visible characters, spaces and tabs; a CR or LF would split the header. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Origin ids are path segments of the admin API, metric labels, log fields and storage keys: the
 * tenant name characters, and never `.` or `..`, which URL normalization removes from a path.
 */
const ORIGIN_ID = /^[A-Za-z0-9._:-]+$/;

/** Origins are called with `fetch` or an HTTP/1.1 socket: only http and https reach an engine. */
const ORIGIN_PROTOCOLS = new Set(['http:', 'https:']);

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * What a pool write must also satisfy (stored rows are read with PoolConfig alone, so these rules
 * never hide a pool the registry already serves): a config the request path can use as written.
 */
export const PoolWrite = PoolConfig.superRefine((pool, ctx) => {
  pool.origins.forEach((origin, i) => {
    if (!ORIGIN_ID.test(origin.id) || origin.id === '.' || origin.id === '..')
      ctx.addIssue({
        code: 'custom',
        path: ['origins', i, 'id'],
        message: "letters, digits and . _ : - only (not '.' or '..')",
      });
    const url = parseUrl(origin.url);
    if (url && !ORIGIN_PROTOCOLS.has(url.protocol))
      ctx.addIssue({
        code: 'custom',
        path: ['origins', i, 'url'],
        message: `an http:// or https:// URL (not ${url.protocol})`,
      });
    // Credentials in the URL would be stored in D1 and shown by every read of the pool.
    if (url && (url.username !== '' || url.password !== ''))
      ctx.addIssue({
        code: 'custom',
        path: ['origins', i, 'url'],
        message: 'a URL without a user name or password (origin credentials go in `auth`, as a secret name)',
      });
  });
  checkPoolSettings(pool, ctx);
  const auth = pool.auth;
  if (!auth) return;
  if (!FIELD_NAME.test(auth.header))
    ctx.addIssue({
      code: 'custom',
      path: ['auth', 'header'],
      message: "an HTTP header name (letters, digits and !#$%&'*+-.^_`|~, no spaces or colon)",
    });
  if (auth.prefix !== undefined && !FIELD_VALUE.test(auth.prefix))
    ctx.addIssue({
      code: 'custom',
      path: ['auth', 'prefix'],
      message: 'header value text (no line breaks or control characters)',
    });
  if (isGatewaySecretName(auth.secret))
    ctx.addIssue({
      code: 'custom',
      path: ['auth', 'secret'],
      message: "one of the gateway's own secrets (ECO_*), which is never sent to an origin",
    });
});

/**
 * The other half of the origin auth rule (see pool-secret-names.ts), which needs the bots table: a
 * pool may not name a secret an IM bot uses. 400 naming the bots; checked after `PoolWrite`.
 */
export async function refuseBotSecret(database: D1Database, pool: PoolConfig): Promise<void> {
  if (!pool.auth) return;
  const named = await botsNamingSecret(database, pool.auth.secret);
  if (named.length === 0) return;
  throw new EcoError(
    400,
    'invalid_request',
    `auth.secret names a secret the IM bot${named.length > 1 ? 's' : ''} ${named.join(', ')} use${named.length > 1 ? '' : 's'}; it would be sent to the pool's origins. Give the origin a secret of its own.`,
    { param: 'auth.secret' },
  );
}
