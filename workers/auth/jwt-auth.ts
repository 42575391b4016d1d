import type { ApiKeyRow } from '../../schemas/db/api-keys.ts';
import { EcoError } from '../../schemas/errors.ts';
import {
  findKeyById,
  findRetiredSecret,
  keyRefusal,
  principalFromRow,
  reloadKeyById,
} from '../data/api-keys.ts';
import type { Background } from '../data/ttl-cache.ts';
import type { Env } from '../env.ts';
import type { Principal } from '../principal.ts';
import {
  GATEWAY_AUDIENCE,
  GATEWAY_ISSUER,
  KEY_ID_CLAIM,
  SECRET_CLAIM,
  SECRET_TAG,
  secretTag,
  signingKey,
} from './access-token.ts';
import { principalFromClaims, scopesFromClaims } from './jwt-claims.ts';
import { jwtConfig } from './jwt-config.ts';
import { jwtErrors } from './jwt-errors.ts';
import { peekJwt, verifyProviderJwt, verifyWith } from './jwt-verify.ts';

/**
 * Bearer JWTs: the gateway's own access tokens (issuer `urn:eco:gateway`, acting as the API key they
 * name, looked up through the key cache) or an identity provider's tokens (ECO_JWT_*).
 */
export async function authenticateJwt(env: Env, token: string, background?: Background): Promise<Principal> {
  const config = jwtConfig(env);
  const { alg, payload } = peekJwt(token, config.maxBytes);
  // A token that is not even well-formed is the caller's to fix; past that, a setting the check needs
  // is unusable and no token could be judged fairly.
  if (payload.iss === GATEWAY_ISSUER) {
    if (config.tokenProblem) throw config.tokenProblem;
    return authenticateAccessToken(env, token, alg, config.clockSkewS, background);
  }
  if (config.providerProblem) throw config.providerProblem;
  const verified = await verifyProviderJwt(token, alg, config);
  // Only after the token is judged: a caller with a bad token hears about the token, not the setup.
  // Refused for every provider token, not only those without a tenant, so the mistake cannot go unseen.
  if (config.defaultTenant instanceof EcoError) throw config.defaultTenant;
  return principalFromClaims(verified, config.defaultTenant);
}

async function authenticateAccessToken(
  env: Env,
  token: string,
  alg: string,
  clockSkewS: number,
  background: Background | undefined,
): Promise<Principal> {
  const key = await signingKey(env);
  if (!key) throw jwtErrors.badSignature();
  if (alg !== 'HS256') throw jwtErrors.algNotAllowed(alg);
  const payload = await verifyWith(token, key, ['HS256'], {
    issuer: GATEWAY_ISSUER,
    audience: [GATEWAY_AUDIENCE],
    clockSkewS,
  });
  const keyId = payload[KEY_ID_CLAIM];
  if (typeof keyId !== 'string') throw jwtErrors.claims(`'${KEY_ID_CLAIM}' is required`);
  const cached = await findKeyById(env.DB, keyId, env.ECO_KEY_CACHE_TTL_MS, background);
  if (!cached) throw gone();
  const { row, asUsed } = await bySecret(env, cached, payload[SECRET_CLAIM], background);
  const refusal = keyRefusal(asUsed, Date.now());
  if (refusal) throw refusal;
  const principal = principalFromRow(row);
  // A token never carries more than its key has now (scopes may have been narrowed since).
  const granted = new Set(scopesFromClaims(payload));
  const scopes = principal.scopes.includes('admin')
    ? [...granted]
    : principal.scopes.filter((s) => granted.has(s));
  return { ...principal, kind: 'jwt', scopes };
}

const gone = () => jwtErrors.claims('the key it was issued for no longer exists');

/**
 * The key row (`row`) and the key as the secret that bought the token sees it (`asUsed`): the current
 * secret's never runs out; a rotated one's carries its grace period. Tokens minted before they named
 * their secret have none to check and live out their (short) TTL.
 */
async function bySecret(
  env: Env,
  row: ApiKeyRow,
  tag: unknown,
  background: Background | undefined,
): Promise<{ row: ApiKeyRow; asUsed: ApiKeyRow }> {
  if (tag === undefined || (typeof tag === 'string' && tag === secretTag(row.keyHash)))
    return { row, asUsed: { ...row, graceUntil: null } };
  if (typeof tag !== 'string' || !SECRET_TAG.test(tag))
    throw jwtErrors.claims(`'${SECRET_CLAIM}' is invalid`);
  const retired = await findRetiredSecret(env.DB, row.id, tag, env.ECO_KEY_CACHE_TTL_MS, background);
  if (retired) return { row, asUsed: retired };
  // The cached row may predate a rotation made in another isolate, and the token its new secret's.
  const current = await reloadKeyById(env.DB, row.id, env.ECO_KEY_CACHE_TTL_MS);
  if (!current) throw gone();
  if (tag === secretTag(current.keyHash)) return { row: current, asUsed: { ...current, graceUntil: null } };
  throw new EcoError(
    401,
    'api_key_rotated',
    'The API key secret this token was issued for has been rotated out.',
  );
}
