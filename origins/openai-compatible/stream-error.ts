import { EcoError } from '../../schemas/errors.ts';
import { isContextLengthMessage, mapOriginError, readErrorBody } from '../errors.ts';

const NO_HEADERS = new Headers();

/**
 * An OpenAI-style in-stream error event (`data: {"error": {…, "code": <HTTP status>}}`) as the platform
 * error it stands for. vLLM, SGLang and LMDeploy check some requests only once the stream has begun, so
 * an over-long prompt or a full queue arrives this way under HTTP 200. Those keep their meaning (400
 * context_length_exceeded, 503, 429). Anything else stays a 502: vLLM and SGLang label every exception
 * raised inside a stream 400 `BadRequestError`, engine failures included.
 */
export function streamErrorEvent(engine: string, data: string): EcoError {
  const detail = readErrorBody(data);
  const status = errorStatus(data);
  if ((status === 400 || status === 422) && isContextLengthMessage(detail.message)) {
    return new EcoError(400, 'context_length_exceeded', `${engine}: ${detail.message}`);
  }
  if (status === 429 || status === 503) return mapOriginError(engine, status, data, NO_HEADERS);
  return new EcoError(502, 'origin_error', `${engine}: ${detail.message}`);
}

/** The event's integer HTTP status (`code`, or TGI-style `http_status_code`), if it names one. */
function errorStatus(data: string): number | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  const body = parsed as { error?: unknown; object?: unknown } | null;
  // Nested (`{"error":{…}}`) or flat (`{"object":"error","code":…}`).
  const error = body?.object === 'error' ? body : body?.error;
  if (error === null || typeof error !== 'object') return undefined;
  const { code, http_status_code } = error as { code?: unknown; http_status_code?: unknown };
  for (const value of [code, http_status_code]) {
    if (Number.isInteger(value) && (value as number) >= 400 && (value as number) <= 599)
      return value as number;
  }
  return undefined;
}
