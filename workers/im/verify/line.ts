import { base64ToBytes, verifyHmac } from './hmac.ts';
import { VERIFIED, type VerifyResult } from './result.ts';

/** LINE: `x-line-signature: base64(HMAC-SHA256(channel secret, raw body))`. */
export async function verifyLine(
  header: string | null | undefined,
  channelSecret: string | undefined,
  body: ArrayBuffer,
): Promise<VerifyResult> {
  if (!channelSecret) return { ok: false, reason: 'missing_secret' };
  if (!header) return { ok: false, reason: 'missing_signature' };
  const signature = base64ToBytes(header);
  if (!signature) return { ok: false, reason: 'bad_signature' };
  return (await verifyHmac(channelSecret, signature, body))
    ? VERIFIED
    : { ok: false, reason: 'bad_signature' };
}
