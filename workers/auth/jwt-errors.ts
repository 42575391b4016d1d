import { EcoError } from '../../schemas/errors.ts';

const reject = (code: string, message: string) => new EcoError(401, code, message);

export const jwtErrors = {
  malformed: () => reject('jwt_malformed', 'The bearer token is not a well-formed JWT.'),
  tooLarge: (max: number) => reject('jwt_too_large', `The JWT is larger than ${max} bytes.`),
  unsigned: () => reject('jwt_unsigned', "Unsigned JWTs (alg 'none') are never accepted."),
  algNotAllowed: (alg: string) =>
    reject('jwt_alg_not_allowed', `The JWT algorithm '${alg}' is not accepted for this gateway's keys.`),
  badSignature: () => reject('jwt_bad_signature', 'The JWT signature does not verify.'),
  expired: () => reject('jwt_expired', 'The JWT has expired.'),
  notYetValid: () => reject('jwt_not_yet_valid', 'The JWT is not valid yet (nbf/iat in the future).'),
  wrongIssuer: () => reject('jwt_wrong_issuer', 'The JWT issuer is not accepted.'),
  wrongAudience: () => reject('jwt_wrong_audience', 'The JWT audience does not include this gateway.'),
  unknownKid: () => reject('jwt_unknown_kid', "No key in the identity provider's JWKS matches the JWT."),
  claims: (detail: string) => reject('jwt_claims_invalid', `The JWT claims are not usable: ${detail}.`),
  notAccepted: () =>
    reject('jwt_not_accepted', 'This gateway is not configured to accept identity-provider JWTs.'),
  audienceUnset: () =>
    reject(
      'jwt_not_accepted',
      'Tokens from the identity provider JWKS are accepted only once ECO_JWT_AUDIENCE names this gateway.',
    ),
  jwksUnavailable: () =>
    new EcoError(503, 'jwks_unavailable', "The identity provider's JWKS could not be fetched.", {
      retryAfterMs: 5000,
    }),
};

/** jose's failures, by their stable `code`, as the gateway's specific 401s. */
export function fromJoseError(err: unknown): EcoError {
  if (err instanceof EcoError) return err;
  const code = (err as { code?: string })?.code;
  const claim = (err as { claim?: string })?.claim;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return jwtErrors.expired();
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'nbf' || claim === 'iat') return jwtErrors.notYetValid();
      if (claim === 'iss') return jwtErrors.wrongIssuer();
      if (claim === 'aud') return jwtErrors.wrongAudience();
      return jwtErrors.claims(`'${claim ?? 'a claim'}' is missing or invalid`);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return jwtErrors.algNotAllowed('?');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return jwtErrors.badSignature();
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return jwtErrors.unknownKid();
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return jwtErrors.jwksUnavailable();
    default:
      return jwtErrors.malformed();
  }
}
