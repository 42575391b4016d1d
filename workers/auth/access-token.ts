import { SignJWT } from 'jose';
import { EcoError } from '../../schemas/errors.ts';
import type { Env } from '../env.ts';
import { usableInternalSecret } from './internal-token.ts';
import { misconfigured, textVar, wholeNumber } from './jwt-config-vars.ts';

/**
 * Short-lived JWTs the gateway issues in exchange for an API key (POST /v1/auth/token). HS256 with
 * ECO_JWT_SIGNING_SECRET, or a key derived from ECO_INTERNAL_SECRET. They name the key by id, so a
 * revoked or deleted key's tokens stop within the key cache TTL, and the secret that bought them, so
 * that a rotation ends them with that secret (at once, or when its grace period ends).
 */
export const GATEWAY_ISSUER = 'urn:eco:gateway';
export const GATEWAY_AUDIENCE = 'urn:eco:gateway';
export const KEY_ID_CLAIM = 'eco_key_id';
export const SECRET_CLAIM = 'eco_secret';

/**
 * Names a secret inside a token: the start of its stored SHA-256. Tokens are readable, but 64 bits of
 * the hash of a 256-bit random secret tell nothing about the secret, and two secrets of one key share
 * them only by a 1 in 2^64 chance.
 */
export function secretTag(keyHash: string): string {
  return keyHash.slice(0, 16);
}

export const SECRET_TAG = /^[0-9a-f]{16}$/;

const TOKENS_EFFECT = 'access tokens are neither issued nor accepted';

const encoder = new TextEncoder();
const derived = new Map<string, Uint8Array>();

/**
 * ECO_JWT_SIGNING_SECRET when set and usable; the error to answer while it is set but unusable: too
 * short, or the identity provider's ECO_JWT_SECRET, whose every holder could then mint gateway tokens
 * acting as any key.
 */
export function signingSecret(env: Env): string | null | EcoError {
  const explicit = textVar('ECO_JWT_SIGNING_SECRET', env.ECO_JWT_SIGNING_SECRET, TOKENS_EFFECT);
  if (explicit === null || explicit instanceof EcoError) return explicit;
  if (explicit.length < 32)
    return misconfigured('ECO_JWT_SIGNING_SECRET', 'is shorter than 32 characters', TOKENS_EFFECT);
  if (explicit === textVar('ECO_JWT_SECRET', env.ECO_JWT_SECRET, TOKENS_EFFECT))
    return misconfigured(
      'ECO_JWT_SIGNING_SECRET',
      "equals ECO_JWT_SECRET, so whoever holds the identity provider's secret could sign tokens acting as any key",
      TOKENS_EFFECT,
    );
  return explicit;
}

/**
 * ECO_JWT_SIGNING_SECRET, else the key derived from ECO_INTERNAL_SECRET, else null. A signing secret
 * that is set but unusable is refused (500), never replaced by the derived key behind the operator's back.
 */
export async function signingKey(env: Env): Promise<Uint8Array | null> {
  const explicit = signingSecret(env);
  if (explicit instanceof EcoError) throw explicit;
  if (explicit !== null) return encoder.encode(explicit);
  const internal = env.ECO_INTERNAL_SECRET;
  if (!usableInternalSecret(internal)) return null;
  let key = derived.get(internal);
  if (!key) {
    const hmac = await crypto.subtle.importKey(
      'raw',
      encoder.encode(internal),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    key = new Uint8Array(
      await crypto.subtle.sign('HMAC', hmac, encoder.encode('eco access token signing key v1')),
    );
    derived.set(internal, key);
  }
  return key;
}

/** ECO_JWT_TOKEN_TTL_S: 30 s to a day; anything else is a 500 rather than some other lifetime. */
export function tokenTtlS(env: Env): number {
  const ttl = wholeNumber(
    'ECO_JWT_TOKEN_TTL_S',
    env.ECO_JWT_TOKEN_TTL_S,
    { fallback: 900, min: 30, max: 86_400, unit: 'seconds' },
    TOKENS_EFFECT,
  );
  if (typeof ttl !== 'number') throw ttl;
  return ttl;
}

/** What ends a key's credentials (Unix milliseconds, null: never), as its row and the secret presented hold them. */
export interface KeyEnds {
  expiresAt: number | null;
  revokedAt: number | null;
  /** Set for a rotated-out secret in its grace period. */
  graceUntil: number | null;
}

/**
 * A token's `exp` (Unix seconds): the TTL from `iat`, but never past the moment its key stops working
 * (expiry, a revocation set ahead, the end of the presented secret's grace period), which would
 * refuse it anyway, so the answer never promises more than the key has. With less than a second
 * left no token is issued: it would be dead on arrival, and `expires_in: 0` reads as "no expiry"
 * to some clients.
 */
export function tokenExp(iat: number, ttlS: number, ends: KeyEnds, now: number): number {
  const limits: [number | null, EcoError][] = [
    [
      ends.expiresAt,
      new EcoError(401, 'api_key_expired', 'The API key expires within a second; no token can outlive it.'),
    ],
    [
      ends.revokedAt,
      new EcoError(
        401,
        'api_key_revoked',
        'The API key is revoked within a second; no token can outlive it.',
      ),
    ],
    [
      ends.graceUntil,
      new EcoError(
        401,
        'api_key_rotated',
        "This secret's grace period ends within a second; exchange the key's new secret.",
      ),
    ],
  ];
  let exp = iat + Math.round(ttlS);
  for (const [end, refusal] of limits) {
    if (end === null) continue;
    if (end - now < 1000) throw refusal;
    exp = Math.min(exp, Math.floor(end / 1000));
  }
  return exp;
}

export async function mintAccessToken(
  env: Env,
  input: { keyId: string; secretTag: string; tenant: string; scopes: string[]; ttlS: number; ends: KeyEnds },
  now = Date.now(),
): Promise<{ token: string; expiresAt: number; expiresIn: number }> {
  const key = await signingKey(env);
  if (!key) {
    throw new EcoError(
      500,
      'token_signing_unconfigured',
      'ECO_JWT_SIGNING_SECRET (32+ characters) or ECO_INTERNAL_SECRET must be set to issue tokens.',
    );
  }
  const iat = Math.floor(now / 1000);
  const exp = tokenExp(iat, input.ttlS, input.ends, now);
  const token = await new SignJWT({
    [KEY_ID_CLAIM]: input.keyId,
    [SECRET_CLAIM]: input.secretTag,
    eco_tenant: input.tenant,
    scope: input.scopes.join(' '),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(GATEWAY_ISSUER)
    .setAudience(GATEWAY_AUDIENCE)
    .setSubject(input.keyId)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(crypto.randomUUID())
    .sign(key);
  return { token, expiresAt: exp * 1000, expiresIn: exp - iat };
}
