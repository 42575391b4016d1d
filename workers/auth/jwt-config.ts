import { EcoError } from '../../schemas/errors.ts';
import type { Env } from '../env.ts';
import { numberVar } from '../env.ts';
import { TenantName } from './key-api.ts';

export const SYMMETRIC_ALGS = ['HS256', 'HS384', 'HS512'] as const;
export const ASYMMETRIC_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** Identity-provider JWT settings, from ECO_JWT_* vars and secrets. */
export interface JwtConfig {
  secret: Uint8Array | null;
  jwksUrl: string | null;
  issuer: string | null;
  audience: string[] | null;
  /** Allowed for HMAC (only with a secret) and for JWKS keys (only asymmetric). */
  symmetricAlgs: string[];
  asymmetricAlgs: string[];
  clockSkewS: number;
  maxBytes: number;
  /** The tenant of tokens that name none, or the error to answer while the configured one is invalid. */
  defaultTenant: string | EcoError;
}

const list = (value: unknown): string[] =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

const str = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;

export function jwtConfig(env: Env): JwtConfig {
  const secret = str(env.ECO_JWT_SECRET);
  const jwksUrl = str(env.ECO_JWT_JWKS_URL);
  const configured = list(env.ECO_JWT_ALGORITHMS);
  const allowed = configured.length > 0 ? configured : null;
  const symmetric = (SYMMETRIC_ALGS as readonly string[]).filter((a) =>
    allowed ? allowed.includes(a) : a === 'HS256',
  );
  const asymmetric = (ASYMMETRIC_ALGS as readonly string[]).filter((a) =>
    allowed ? allowed.includes(a) : a === 'RS256' || a === 'ES256' || a === 'EdDSA',
  );
  const audience = list(env.ECO_JWT_AUDIENCE);
  return {
    secret: secret ? new TextEncoder().encode(secret) : null,
    jwksUrl,
    issuer: str(env.ECO_JWT_ISSUER),
    audience: audience.length > 0 ? audience : null,
    // The algorithm decides the key family: an HS token is never checked against a JWKS key or the reverse.
    symmetricAlgs: secret ? symmetric : [],
    asymmetricAlgs: jwksUrl ? asymmetric : [],
    clockSkewS: Math.max(0, numberVar(env.ECO_JWT_CLOCK_SKEW_S, 30)),
    maxBytes: Math.max(256, numberVar(env.ECO_JWT_MAX_BYTES, 8192)),
    defaultTenant: defaultTenant(env.ECO_JWT_DEFAULT_TENANT),
  };
}

/**
 * A default that keys could not have as tenant is the operator's mistake: it is reported (500), not
 * used, and the value is not echoed to callers.
 */
function defaultTenant(value: unknown): string | EcoError {
  const configured = str(value);
  if (configured === null) return 'jwt';
  if (TenantName.safeParse(configured).success) return configured;
  return new EcoError(
    500,
    'jwt_misconfigured',
    'ECO_JWT_DEFAULT_TENANT is not a valid tenant name (1 to 100 letters, digits or . _ : - characters); identity-provider tokens are refused until it is corrected.',
  );
}
