/**
 * Every `ECO_JWT_*` var the gateway reads (workers/auth/jwt-config.ts, access-token.ts). Nothing else may
 * use the prefix (bots name no `ECO_*` secret but `ECO_IM_*`), so any other `ECO_JWT_*` name is a mistake:
 * an issuer or audience check written under it would quietly stay off.
 */
export const JWT_VAR_NAMES = [
  'ECO_JWT_ALGORITHMS',
  'ECO_JWT_AUDIENCE',
  'ECO_JWT_CLOCK_SKEW_S',
  'ECO_JWT_DEFAULT_TENANT',
  'ECO_JWT_ISSUER',
  'ECO_JWT_JWKS_URL',
  'ECO_JWT_MAX_BYTES',
  'ECO_JWT_SECRET',
  'ECO_JWT_SIGNING_SECRET',
  'ECO_JWT_TOKEN_TTL_S',
] as const;

export const JWT_PREFIX = 'ECO_JWT_';
