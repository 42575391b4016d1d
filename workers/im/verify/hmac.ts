/**
 * Signature primitives shared by the platform verifiers. Every comparison is constant-time: HMACs are
 * checked by `crypto.subtle.verify`, which recomputes the MAC and compares internally, and plain
 * shared secrets are compared as SHA-256 digests so neither the content nor the length leaks.
 */
const encoder = new TextEncoder();

export function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

export async function verifyHmac(secret: string, signature: Uint8Array, body: ArrayBuffer): Promise<boolean> {
  if (signature.byteLength !== 32) return false;
  return crypto.subtle.verify('HMAC', await hmacKey(secret), signature, body);
}

export async function constantTimeEqual(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(presented)),
    crypto.subtle.digest('SHA-256', encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}

export function hexToBytes(hex: string): Uint8Array | null {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return null;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function base64ToBytes(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(text)) return null;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
