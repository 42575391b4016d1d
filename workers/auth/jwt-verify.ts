import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { JwtConfig } from './jwt-config.ts';
import { fromJoseError, jwtErrors } from './jwt-errors.ts';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Three base64url segments and not one of the gateway's own `eco_` credentials. */
export function looksLikeJwt(token: string): boolean {
  return !token.startsWith('eco_') && JWT_SHAPE.test(token);
}

const jwksByUrl = new Map<string, JWTVerifyGetKey>();

/** A key set is fetched again after this long, whatever tokens arrive. */
const JWKS_MAX_AGE_MS = 600_000;
/** A token whose kid the cached set lacks fetches it again, but at most this often. */
const JWKS_REFETCH_COOLDOWN_MS = 30_000;
/** jose gives up on a fetch of the set after this long. */
const JWKS_TIMEOUT_MS = 5000;
/** A refetch still unsettled this long after it began never will (its request was cancelled). */
const REFETCH_ABANDONED_MS = JWKS_TIMEOUT_MS + 1000;
const REFETCH_POLL_MS = 10;

const joseCode = (err: unknown) => (err as { code?: string }).code;

/** A refetch of a key set: when it began, and how it ended. */
interface Refetch {
  startedAt: number;
  outcome: 'pending' | 'ok' | 'failed';
}

/**
 * Whether `refetch` succeeded, waiting while it runs. It belongs to another request, whose promises this
 * one may not await in Workers (and which may be cancelled, leaving them unsettled), so its outcome is
 * polled, and given up on once the fetch's own timeout has passed.
 */
async function refetched(refetch: Refetch): Promise<boolean> {
  const deadline = refetch.startedAt + REFETCH_ABANDONED_MS;
  for (let waited = 0; refetch.outcome === 'pending'; waited += REFETCH_POLL_MS) {
    if (Date.now() >= deadline || waited >= REFETCH_ABANDONED_MS) return false;
    await new Promise((resolve) => setTimeout(resolve, REFETCH_POLL_MS));
  }
  return refetch.outcome === 'ok';
}

/**
 * One cached key set per URL per isolate. jose could refetch a set that lacks a token's kid itself, but
 * it leaves that attempt's rejection unhandled for a moment, which workerd reports as an error; so its
 * own cooldown is endless (it never takes that path) and the refetch is made here. The cooldown counts
 * from when the last refetch began, whatever its outcome, so a provider that fails or hangs is not asked
 * again for every token; tokens that arrive while a refetch runs wait for its outcome rather than fetch.
 * While the cooldown after a failed refetch runs, such tokens answer 503: their kid could not be checked.
 */
function remoteKeys(url: string): JWTVerifyGetKey {
  let keys = jwksByUrl.get(url);
  if (!keys) {
    const remote = createRemoteJWKSet(new URL(url), {
      timeoutDuration: JWKS_TIMEOUT_MS,
      cacheMaxAge: JWKS_MAX_AGE_MS,
      cooldownDuration: Number.POSITIVE_INFINITY,
    });
    // The first call fetches the set: a refetch is due no sooner than a cooldown after it.
    let last: Refetch = { startedAt: Date.now(), outcome: 'ok' };
    const withRefetch: JWTVerifyGetKey = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (err) {
        if (joseCode(err) !== 'ERR_JWKS_NO_MATCHING_KEY') throw err;
        if (Date.now() - last.startedAt < JWKS_REFETCH_COOLDOWN_MS) {
          if (!(await refetched(last))) throw jwtErrors.jwksUnavailable();
        } else {
          const refetch: Refetch = { startedAt: Date.now(), outcome: 'pending' };
          last = refetch;
          try {
            await remote.reload();
            refetch.outcome = 'ok';
          } catch (reloadErr) {
            refetch.outcome = 'failed';
            throw reloadErr;
          }
        }
        return await remote(header, token);
      }
    };
    keys = async (header, token) => {
      try {
        return await withRefetch(header, token);
      } catch (err) {
        const code = joseCode(err);
        if (code === 'ERR_JWKS_NO_MATCHING_KEY' || code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw err;
        if (code === 'ERR_JOSE_NOT_SUPPORTED') throw jwtErrors.algNotAllowed(header.alg ?? '?');
        throw jwtErrors.jwksUnavailable();
      }
    };
    jwksByUrl.set(url, keys);
  }
  return keys;
}

/** Header and payload read without verification, to pick the verification path. Malformed: 401. */
export function peekJwt(token: string, maxBytes: number): { alg: string; payload: JWTPayload } {
  if (token.length > maxBytes) throw jwtErrors.tooLarge(maxBytes);
  if (!JWT_SHAPE.test(token)) throw jwtErrors.malformed();
  // Base64url without padding can never leave one character over; refuse such a segment here, before
  // jose's verification starts work it would then abandon.
  for (const segment of token.split('.')) if (segment.length % 4 === 1) throw jwtErrors.malformed();
  let alg: unknown;
  let payload: JWTPayload;
  try {
    alg = decodeProtectedHeader(token).alg;
    payload = decodeJwt(token);
  } catch {
    throw jwtErrors.malformed();
  }
  if (typeof alg !== 'string' || alg === '') throw jwtErrors.malformed();
  if (alg.toLowerCase() === 'none') throw jwtErrors.unsigned();
  return { alg, payload };
}

export interface VerifyOptions {
  issuer: string | null;
  audience: string[] | null;
  clockSkewS: number;
}

/** Verify a token against one key (or key set) with an explicit algorithm allow-list. */
export async function verifyWith(
  token: string,
  key: Uint8Array | JWTVerifyGetKey,
  algorithms: string[],
  options: VerifyOptions,
): Promise<JWTPayload> {
  try {
    const verifyOptions = {
      algorithms,
      clockTolerance: options.clockSkewS,
      requiredClaims: ['exp'],
      ...(options.issuer ? { issuer: options.issuer } : {}),
      ...(options.audience ? { audience: options.audience } : {}),
    };
    const { payload } =
      key instanceof Uint8Array
        ? await jwtVerify(token, key, verifyOptions)
        : await jwtVerify(token, key, verifyOptions);
    return payload;
  } catch (err) {
    throw fromJoseError(err);
  }
}

/** An identity provider's token: HS* only with ECO_JWT_SECRET, asymmetric only from ECO_JWT_JWKS_URL. */
export async function verifyProviderJwt(token: string, alg: string, config: JwtConfig): Promise<JWTPayload> {
  if (!config.secret && !config.jwksUrl) throw jwtErrors.notAccepted();
  const options = { issuer: config.issuer, audience: config.audience, clockSkewS: config.clockSkewS };
  if (config.symmetricAlgs.includes(alg) && config.secret) {
    return verifyWith(token, config.secret, config.symmetricAlgs, options);
  }
  if (config.asymmetricAlgs.includes(alg) && config.jwksUrl) {
    // A provider's key set signs tokens for every app it serves: without an audience, a token minted
    // for any of them would pass here.
    if (!config.audience) throw jwtErrors.audienceUnset();
    return verifyWith(token, remoteKeys(config.jwksUrl), config.asymmetricAlgs, options);
  }
  throw jwtErrors.algNotAllowed(alg);
}
