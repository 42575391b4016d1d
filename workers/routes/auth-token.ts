import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { EcoError } from '../../schemas/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { mintAccessToken, secretTag, tokenTtlS } from '../auth/access-token.ts';
import { parseBody } from '../auth/parse-body.ts';
import { findKeyByHash } from '../data/api-keys.ts';
import { sha256Hex } from '../data/key-hash.ts';
import { CREDENTIAL_HEADERS } from '../http/no-store.ts';
import { credentialErrors, errorAnswer, unsupportedEncodingAnswer } from '../http/openapi-errors.ts';
import { bearerToken } from '../middleware/auth.ts';
import { hasScope, SCOPES } from '../principal.ts';

const TokenRequest = z
  .object({
    /** Narrow the token to these scopes (each must be held by the key); default: the key's scopes. */
    scopes: z.array(z.enum(SCOPES)).min(1).optional(),
    /** Shorter than the configured TTL if given; never longer. */
    ttl_seconds: z.number().int().min(30).optional(),
  })
  .strict()
  .openapi('AccessTokenRequest');

const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int(),
    expires_at: z.string(),
    scope: z.string(),
  })
  .openapi('AccessToken');

/** POST /v1/auth/token: an API key buys a short-lived JWT for browsers and bridges. */
export function registerAuthTokenRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/auth/token',
    summary: 'Exchange an API key for a short-lived JWT',
    description:
      'The token acts as the key (its limits, usage and allowed models apply) and stops working within ' +
      'ECO_KEY_CACHE_TTL_MS of the key being revoked or deleted, or of the secret that bought it being ' +
      'rotated out (at once, or when its grace period ends). It never outlives the key: `expires_in` is ' +
      "the configured TTL (or `ttl_seconds`) cut to the key's `expires_at` and to the end of the presented " +
      "secret's grace period; a key with less than a second left buys none (401). Only an API key can be " +
      'exchanged, not a token.',
    security: [{ bearer: [] }],
    request: { body: { content: { 'application/json': { schema: TokenRequest } } } },
    responses: {
      200: { description: 'The token', content: { 'application/json': { schema: TokenResponse } } },
      ...credentialErrors,
      400: errorAnswer('Malformed JSON, or a field that does not validate'),
      403: errorAnswer('Not an API key, or scopes not held'),
      413: errorAnswer('The request body is too large'),
      415: unsupportedEncodingAnswer,
      500: errorAnswer(
        'Token signing is not configured (token_signing_unconfigured) or an ECO_JWT_* value is unusable (jwt_misconfigured)',
      ),
    },
  });
  app.post('/v1/auth/token', async (c) => {
    const principal = c.get('principal');
    if (principal.kind !== 'api_key') {
      throw new EcoError(403, 'token_not_exchangeable', 'Only an API key can be exchanged for a token.');
    }
    const body = await parseBody(c.req.raw, TokenRequest);
    const scopes = [...new Set(body.scopes ?? principal.scopes)];
    const missing = scopes.filter((s) => !hasScope(principal, s));
    if (missing.length > 0) {
      throw new EcoError(403, 'insufficient_scope', `This key lacks the scopes: ${missing.join(', ')}.`, {
        param: 'scopes',
      });
    }
    const ttlS = Math.min(tokenTtlS(c.env), body.ttl_seconds ?? Number.POSITIVE_INFINITY);
    // The secret presented (the key's current one, or a rotated one in its grace period) bounds the token.
    const presented = await sha256Hex(bearerToken(c.req.header('authorization')));
    // The row authentication just read (a cache hit): what ends the key ends its tokens too. A
    // credential that is no key's secret (the gateway's own internal one) would buy a token that is
    // refused on every use, so it buys none.
    const row = await findKeyByHash(c.env.DB, presented, c.env.ECO_KEY_CACHE_TTL_MS);
    if (row === null || row.id !== principal.keyId) {
      throw new EcoError(403, 'token_not_exchangeable', 'Only an API key can be exchanged for a token.');
    }
    const { token, expiresAt, expiresIn } = await mintAccessToken(c.env, {
      keyId: principal.keyId,
      secretTag: secretTag(presented),
      tenant: principal.tenant,
      scopes,
      ttlS,
      ends: { expiresAt: row.expiresAt, revokedAt: row.revokedAt, graceUntil: row.graceUntil },
    });
    return c.json(
      {
        access_token: token,
        token_type: 'Bearer' as const,
        expires_in: expiresIn,
        expires_at: new Date(expiresAt).toISOString(),
        scope: scopes.join(' '),
      },
      200,
      CREDENTIAL_HEADERS,
    );
  });
}
