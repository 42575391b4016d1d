import { constantTimeEqual } from './hmac.ts';
import { VERIFIED, type VerifyResult } from './result.ts';

/** Telegram signs nothing: it echoes the `secret_token` given to setWebhook in this header. */
export async function verifyTelegram(
  header: string | null | undefined,
  secret: string | undefined,
): Promise<VerifyResult> {
  if (!secret) return { ok: false, reason: 'missing_secret' };
  if (!header) return { ok: false, reason: 'missing_signature' };
  return (await constantTimeEqual(header, secret)) ? VERIFIED : { ok: false, reason: 'bad_signature' };
}
