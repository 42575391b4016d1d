import { type EcoError, errorBody } from '../../schemas/errors.ts';

/**
 * The one place an EcoError becomes bytes on the wire: a JSON response with the right status and
 * retry headers, or, once a stream has started, a terminal SSE event.
 */
export function errorResponse(err: EcoError, headers: Record<string, string> = {}): Response {
  const out = new Headers(headers);
  out.set('content-type', 'application/json');
  for (const [name, value] of Object.entries(retryHeaders(err))) out.set(name, value);
  if (err.headers) for (const [name, value] of Object.entries(err.headers)) out.set(name, value);
  return new Response(JSON.stringify(errorBody(err)), { status: err.status, headers: out });
}

/**
 * Failures the OpenAI SDKs would retry by status (408, 409, 429, 5xx) that a retry cannot mend: a
 * configuration fault, an answer too large, a conflict with what is stored. They carry
 * `x-should-retry: false`, which the SDKs honour, so the same request is not sent twice more.
 */
const NOT_RETRYABLE: ReadonlySet<string> = new Set([
  'origin_response_too_large',
  'origin_misconfigured',
  'origin_redirected',
  'pool_misconfigured',
  'engine_unsupported',
  'jwt_misconfigured',
  'bootstrap_misconfigured',
  'internal_auth_unconfigured',
  'token_signing_unconfigured',
  'api_key_record_invalid',
  'client_too_slow',
  'model_exists',
  'model_name_taken',
  'model_in_use',
  'pool_in_use',
  'api_key_in_use',
  'pool_invalid',
  'rotation_conflict',
  'api_key_revoked',
  'job_not_cancellable',
  'job_not_failed',
  'job_key_unusable',
  'job_model_unavailable',
  'idempotency_key_reused',
]);

export function retryHeaders(err: EcoError): Record<string, string> {
  if (NOT_RETRYABLE.has(err.code)) return { 'x-should-retry': 'false' };
  if (err.retryAfterMs === undefined) {
    // The OpenAI SDKs retry 5xx by default; say plainly which failures are worth it.
    if (err.status === 429 || err.status === 503) return { 'retry-after': '1', 'retry-after-ms': '1000' };
    return {};
  }
  const ms = Math.max(0, Math.ceil(err.retryAfterMs));
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(ms) };
}

/** A stream that already sent output ends with one error event and no `[DONE]`. */
export function sseErrorEvent(err: EcoError): string {
  return `data: ${JSON.stringify(errorBody(err))}\n\n`;
}
