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

export function retryHeaders(err: EcoError): Record<string, string> {
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
