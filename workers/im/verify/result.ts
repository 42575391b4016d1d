/** Why a webhook was refused; the route maps it to 401/403 and a counter. */
export type VerifyResult =
  | { ok: true }
  | { ok: false; reason: 'missing_secret' | 'missing_signature' | 'bad_signature' };

export const VERIFIED: VerifyResult = { ok: true };
