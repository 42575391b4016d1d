import { EcoError } from '../schemas/errors.ts';
import { readErrorBody } from './errors.ts';

/** Longest origin message a 200-with-error answer passes on; the rest is the engine's noise. */
const MAX_MESSAGE = 300;
// C0 and C1 controls (line breaks included): the message goes into one JSON string and into logs.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;

/**
 * A non-stream answer's JSON. Not JSON: a 502 `origin_malformed_response`; an error envelope that came
 * with HTTP 200: the 502 `origin_error` of `errorAnswer`. Every decoder starts here, before its shape checks.
 */
export function parseAnswer<T = unknown>(engine: string, body: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new EcoError(502, 'origin_malformed_response', `${engine}: the response is not JSON`);
  }
  const failed = errorAnswer(engine, body, parsed);
  if (failed) throw failed;
  return parsed as T;
}

/**
 * An answer that came with HTTP 200 but is an error envelope (`{"error":{…}}`, `{"error":"…"}`, or
 * vLLM-style `{"object":"error",…}`) as the 502 `origin_error` it is, carrying the engine's own
 * message; undefined for any other answer, so the client learns why instead of reading "malformed
 * response".
 */
function errorAnswer(engine: string, body: string, parsed: unknown): EcoError | undefined {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const obj = parsed as Record<string, unknown>;
  const error = obj.error;
  const isError =
    typeof error === 'string' || (error !== null && typeof error === 'object') || obj.object === 'error';
  if (!isError) return undefined;
  return new EcoError(502, 'origin_error', `${engine}: ${cleanMessage(readErrorBody(body).message)}`);
}

/** Control characters become one space; the text is trimmed and cut to MAX_MESSAGE characters. */
export function cleanMessage(message: string): string {
  const text = message.replace(CONTROL, ' ').trim();
  let end = Math.min(text.length, MAX_MESSAGE);
  // Never split a surrogate pair at the cut.
  if (end < text.length && /[\ud800-\udbff]/.test(text.charAt(end - 1))) end--;
  const cut = end < text.length ? `${text.slice(0, end)}…` : text;
  return cut.length > 0 ? cut : 'error without a message';
}
