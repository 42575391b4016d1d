import { constantTimeEqual, hexToBytes, verifyHmac } from './hmac.ts';
import { VERIFIED, type VerifyResult } from './result.ts';

/** WhatsApp Cloud API and Messenger: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`. */
export async function verifyMetaSignature(
  header: string | null | undefined,
  appSecret: string | undefined,
  body: ArrayBuffer,
): Promise<VerifyResult> {
  if (!appSecret) return { ok: false, reason: 'missing_secret' };
  if (!header) return { ok: false, reason: 'missing_signature' };
  if (!header.startsWith('sha256=')) return { ok: false, reason: 'bad_signature' };
  const signature = hexToBytes(header.slice('sha256='.length));
  if (!signature) return { ok: false, reason: 'bad_signature' };
  return (await verifyHmac(appSecret, signature, body)) ? VERIFIED : { ok: false, reason: 'bad_signature' };
}

export type HandshakeResult =
  | { ok: true; challenge: string }
  | { ok: false; reason: 'missing_secret' | 'refused' };

/** The GET subscription handshake: echo `hub.challenge` only for `subscribe` with the right verify token. */
export async function metaHandshake(
  query: URLSearchParams,
  verifyToken: string | undefined,
): Promise<HandshakeResult> {
  if (!verifyToken) return { ok: false, reason: 'missing_secret' };
  const mode = query.get('hub.mode');
  const token = query.get('hub.verify_token');
  const challenge = query.get('hub.challenge');
  if (mode !== 'subscribe' || token === null || challenge === null || challenge === '') {
    return { ok: false, reason: 'refused' };
  }
  return (await constantTimeEqual(token, verifyToken))
    ? { ok: true, challenge }
    : { ok: false, reason: 'refused' };
}
