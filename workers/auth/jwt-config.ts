import { EcoError } from '../../schemas/errors.ts';
import { isUnset } from '../config/parse-number.ts';
import type { Env } from '../env.ts';
import {
  EVERY_TOKEN_EFFECT,
  issuer,
  jwksUrl,
  listVar,
  misconfigured,
  PROVIDER_EFFECT,
  shown,
  textVar,
  wholeNumber,
} from './jwt-config-vars.ts';
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

/** The largest bearer credential the gateway reads (workers/middleware/auth.ts), so no JWT limit lies above it. */
export const MAX_JWT_BYTES = 8192;

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
  /** While a value every JWT depends on is unusable (clock skew, size): the error to answer. */
  tokenProblem: EcoError | null;
  /** While a value identity-provider tokens depend on is unusable (this, or `tokenProblem`). */
  providerProblem: EcoError | null;
  /** Every unusable value, each once (GET /ready and deploy:check list them all). */
  problems: EcoError[];
}

/**
 * `secrets`: `unseen` when `env` is a wrangler.toml environment's vars (deploy:check), where the Worker's
 * secrets never appear: an ECO_JWT_SECRET absent there may be set, so nothing is refused for its absence.
 */
export function jwtConfig(env: Env, secrets: 'seen' | 'unseen' = 'seen'): JwtConfig {
  const secretVar = textVar('ECO_JWT_SECRET', env.ECO_JWT_SECRET, PROVIDER_EFFECT);
  const secret = typeof secretVar === 'string' ? secretVar : null;
  const jwks = jwksUrl(env.ECO_JWT_JWKS_URL);
  const iss = issuer(env.ECO_JWT_ISSUER);
  const hasSecret =
    secret !== null ? true : secrets === 'unseen' && isUnset(env.ECO_JWT_SECRET) ? 'maybe' : false;
  const algs = algorithms(env.ECO_JWT_ALGORITHMS, hasSecret, typeof jwks === 'string');
  const skew = wholeNumber(
    'ECO_JWT_CLOCK_SKEW_S',
    env.ECO_JWT_CLOCK_SKEW_S,
    { fallback: 30, min: 0, max: 3600, unit: 'seconds' },
    EVERY_TOKEN_EFFECT,
  );
  const maxBytes = wholeNumber(
    'ECO_JWT_MAX_BYTES',
    env.ECO_JWT_MAX_BYTES,
    { fallback: MAX_JWT_BYTES, min: 256, max: MAX_JWT_BYTES, unit: 'bytes' },
    EVERY_TOKEN_EFFECT,
  );
  const tokenProblem = firstError(skew, maxBytes);
  const audienceVar = listVar('ECO_JWT_AUDIENCE', env.ECO_JWT_AUDIENCE, PROVIDER_EFFECT);
  const audience = Array.isArray(audienceVar) ? audienceVar : [];
  const tenant = defaultTenant(env.ECO_JWT_DEFAULT_TENANT);
  const algsProblem = 'problem' in algs ? algs.problem : null;
  return {
    secret: secret ? new TextEncoder().encode(secret) : null,
    jwksUrl: typeof jwks === 'string' ? jwks : null,
    issuer: typeof iss === 'string' ? iss : null,
    audience: audience.length > 0 ? audience : null,
    // The algorithm decides the key family: an HS token is never checked against a JWKS key or the reverse.
    symmetricAlgs: 'symmetric' in algs && secret ? algs.symmetric : [],
    asymmetricAlgs: 'asymmetric' in algs && typeof jwks === 'string' ? algs.asymmetric : [],
    clockSkewS: typeof skew === 'number' ? skew : 30,
    maxBytes: typeof maxBytes === 'number' ? maxBytes : MAX_JWT_BYTES,
    defaultTenant: tenant,
    tokenProblem,
    providerProblem: tokenProblem ?? firstError(secretVar, jwks, iss, audienceVar, algsProblem),
    problems: errors(skew, maxBytes, secretVar, jwks, iss, audienceVar, algsProblem, tenant),
  };
}

function errors(...values: unknown[]): EcoError[] {
  return values.filter((v) => v instanceof EcoError);
}

function firstError(...values: unknown[]): EcoError | null {
  return errors(...values)[0] ?? null;
}

const SUPPORTED: readonly string[] = [...SYMMETRIC_ALGS, ...ASYMMETRIC_ALGS];

/**
 * The allow-list for each key family. Unset: HS256 with a secret; RS256, ES256 and EdDSA with a JWKS.
 * A name that is no supported algorithm (a typo, another case, `none`) is refused, not dropped; so is
 * a list that leaves the configured key sources no algorithm at all, which would refuse every token.
 * A secret that `maybe` is set: the list is refused only if it would be either way.
 */
function algorithms(
  value: unknown,
  hasSecret: boolean | 'maybe',
  hasJwks: boolean,
): { symmetric: string[]; asymmetric: string[] } | { problem: EcoError } {
  const configured = listVar('ECO_JWT_ALGORITHMS', value, PROVIDER_EFFECT);
  if (!Array.isArray(configured)) return { problem: configured };
  if (configured.length === 0) return { symmetric: ['HS256'], asymmetric: ['RS256', 'ES256', 'EdDSA'] };
  const unknown = configured.filter((a) => !SUPPORTED.includes(a));
  if (unknown.length > 0) {
    const names = [...new Set(unknown.map(shown))].join(', ');
    return {
      problem: misconfigured(
        'ECO_JWT_ALGORITHMS',
        `names ${names}, not ${unknown.length === 1 ? 'a supported algorithm' : 'supported algorithms'} (${SUPPORTED.join(', ')})`,
        PROVIDER_EFFECT,
      ),
    };
  }
  const symmetric = SYMMETRIC_ALGS.filter((a) => configured.includes(a));
  const asymmetric = ASYMMETRIC_ALGS.filter((a) => configured.includes(a));
  const refused = (secret: boolean) =>
    (secret || hasJwks) && !((secret && symmetric.length > 0) || (hasJwks && asymmetric.length > 0));
  if (hasSecret === 'maybe' ? refused(true) && refused(false) : refused(hasSecret)) {
    const sources = [
      ...(hasSecret === true ? [`ECO_JWT_SECRET takes ${SYMMETRIC_ALGS.join(', ')}`] : []),
      ...(hasJwks ? [`ECO_JWT_JWKS_URL takes ${ASYMMETRIC_ALGS.join(', ')}`] : []),
    ];
    return {
      problem: misconfigured(
        'ECO_JWT_ALGORITHMS',
        `leaves no algorithm for the configured key source (${sources.join('; ')})`,
        PROVIDER_EFFECT,
      ),
    };
  }
  return { symmetric, asymmetric };
}

/**
 * A default that keys could not have as tenant is the operator's mistake: it is reported (500), not
 * used, and the value is not echoed to callers.
 */
function defaultTenant(value: unknown): string | EcoError {
  const configured = textVar('ECO_JWT_DEFAULT_TENANT', value, PROVIDER_EFFECT);
  if (configured === null) return 'jwt';
  if (typeof configured !== 'string') return configured;
  if (TenantName.safeParse(configured).success) return configured;
  return misconfigured(
    'ECO_JWT_DEFAULT_TENANT',
    'is not a valid tenant name (1 to 100 letters, digits or . _ : - characters)',
    PROVIDER_EFFECT,
  );
}
