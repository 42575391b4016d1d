import { EcoError } from '../../schemas/errors.ts';
import type { Env } from '../env.ts';

/**
 * Credentials the gateway gives itself: Durable Objects (jobs, IM conversations) call the public
 * pipeline through the SELF service binding acting as a configured API key. The token is
 * `eco_int.<base64url payload>.<base64url HMAC-SHA256(ECO_INTERNAL_SECRET, payload)>`, short-lived,
 * and refused outright when the secret is not configured.
 */
export const INTERNAL_PREFIX = 'eco_int.';

export interface InternalClaims {
  /** The API key the call acts as (its scopes, limits and usage apply). */
  keyId: string;
  /** Unix milliseconds after which the token is refused. */
  exp: number;
  /** Who is calling, for logs and usage (`job:<id>`, `im:<platform>:<chat>`). */
  actor: string;
}

const encoder = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromB64url(text: string): Uint8Array {
  const padded = text.replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

/** ECO_INTERNAL_SECRET as the gateway can sign with it: text of 16 characters or more. */
export function usableInternalSecret(secret: unknown): secret is string {
  return typeof secret === 'string' && secret.length >= 16;
}

function internalSecret(env: Env): string {
  const secret = env.ECO_INTERNAL_SECRET;
  if (!usableInternalSecret(secret)) {
    throw new EcoError(500, 'internal_auth_unconfigured', 'ECO_INTERNAL_SECRET is not set (16+ characters).');
  }
  return secret;
}

export async function mintInternalToken(
  env: Env,
  keyId: string,
  actor: string,
  ttlMs = 5 * 60_000,
): Promise<string> {
  const claims: InternalClaims = { keyId, actor, exp: Date.now() + ttlMs };
  const payload = b64url(encoder.encode(JSON.stringify(claims)));
  const signature = await crypto.subtle.sign(
    'HMAC',
    await hmacKey(internalSecret(env)),
    encoder.encode(payload),
  );
  return `${INTERNAL_PREFIX}${payload}.${b64url(new Uint8Array(signature))}`;
}

/** Verify (constant time, via WebCrypto) and return the claims; any defect is a 401. */
export async function verifyInternalToken(
  env: Env,
  token: string,
  now = Date.now(),
): Promise<InternalClaims> {
  const invalid = () => new EcoError(401, 'invalid_api_key', 'The internal credential is not valid.');
  const secret = env.ECO_INTERNAL_SECRET;
  if (!usableInternalSecret(secret)) throw invalid();
  const [payload, signature, extra] = token.slice(INTERNAL_PREFIX.length).split('.');
  if (!payload || !signature || extra !== undefined) throw invalid();
  let ok = false;
  try {
    ok = await crypto.subtle.verify(
      'HMAC',
      await hmacKey(secret),
      fromB64url(signature),
      encoder.encode(payload),
    );
  } catch {
    ok = false;
  }
  if (!ok) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(fromB64url(payload)));
  } catch {
    throw invalid();
  }
  // Valid JSON is not yet claims: `null`, a number or a string is refused like any malformed token.
  if (typeof parsed !== 'object' || parsed === null) throw invalid();
  const claims = parsed as Partial<InternalClaims>;
  if (
    typeof claims.keyId !== 'string' ||
    typeof claims.exp !== 'number' ||
    typeof claims.actor !== 'string' ||
    claims.exp <= now
  )
    throw invalid();
  return claims as InternalClaims;
}
