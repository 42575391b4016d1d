import { EcoError } from '../schemas/errors.ts';

/**
 * Every engine's error envelope, read into one shape: OpenAI's nested `{error:{…}}`, the flat
 * `{object:"error",…}` of vLLM/SGLang/LMDeploy/trtllm-serve, MII's FastChat integer codes, TGI's
 * `{error,error_type}`, Ollama's and Triton's `{error:"…"}`, FastAPI's `{detail}`.
 */
export interface OriginErrorDetail {
  message: string;
  code?: string;
  type?: string;
}

const MAX_MESSAGE = 500;

export function readErrorBody(body: string): OriginErrorDetail {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const text = body.trim();
    return { message: text.length > 0 ? text.slice(0, MAX_MESSAGE) : 'no error body' };
  }
  if (parsed === null || typeof parsed !== 'object') return { message: String(parsed).slice(0, MAX_MESSAGE) };
  const obj = parsed as Record<string, unknown>;
  const nested = obj.error;
  if (nested !== null && typeof nested === 'object') return fromFields(nested as Record<string, unknown>);
  if (typeof nested === 'string') {
    return withType({ message: nested.slice(0, MAX_MESSAGE) }, obj.error_type);
  }
  if (typeof obj.message === 'string') return fromFields(obj);
  if (obj.detail !== undefined) {
    const detail = typeof obj.detail === 'string' ? obj.detail : JSON.stringify(obj.detail);
    return { message: detail.slice(0, MAX_MESSAGE) };
  }
  return { message: body.slice(0, MAX_MESSAGE) };
}

function fromFields(obj: Record<string, unknown>): OriginErrorDetail {
  const message = typeof obj.message === 'string' ? obj.message : JSON.stringify(obj).slice(0, MAX_MESSAGE);
  const out: OriginErrorDetail = { message: message.slice(0, MAX_MESSAGE) };
  if (typeof obj.code === 'string') out.code = obj.code;
  return withType(out, obj.type);
}

function withType(detail: OriginErrorDetail, type: unknown): OriginErrorDetail {
  if (typeof type === 'string') detail.type = type;
  return detail;
}

/** Seconds or an HTTP date in Retry-After, as milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const LENGTH_HINT =
  /context length|maximum context|too long|max_model_len|exceeds|input validation error: `inputs` tokens|must be <=/i;
const LOADING_HINT = /loading|warm(ing)? ?up|not ready|starting/i;

/**
 * The platform error for an origin's non-2xx answer. Client mistakes the engine caught stay 4xx; engine
 * trouble becomes 429/502/503/504 so that dispatch knows whether to retry, back off or fail over.
 */
export function mapOriginError(engine: string, status: number, body: string, headers: Headers): EcoError {
  const detail = readErrorBody(body);
  const message = `${engine}: ${detail.message}`;
  const retryAfter = retryAfterMs(headers);
  const withRetry = retryAfter === undefined ? {} : { retryAfterMs: retryAfter };
  if (status === 400 || status === 422) {
    const code = LENGTH_HINT.test(detail.message)
      ? 'context_length_exceeded'
      : (detail.code ?? 'invalid_request');
    return new EcoError(400, code, message);
  }
  if (status === 413) return new EcoError(413, 'body_too_large', message);
  if (status === 429) return new EcoError(429, 'origin_overloaded', message, withRetry);
  if (status === 503) {
    const code = LOADING_HINT.test(detail.message) ? 'origin_loading' : 'origin_unavailable';
    return new EcoError(503, code, message, withRetry);
  }
  if (status === 408 || status === 504) return new EcoError(504, 'origin_timeout', message);
  // 401/403/404 from an engine mean the gateway's configuration is wrong, not the client's request.
  return new EcoError(502, 'origin_error', `${message} (HTTP ${status})`, withRetry);
}
