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
  /** The request field the engine named, if any. */
  param?: string;
  /** The body was an HTML page: a proxy or load balancer answered, not the engine. */
  html?: boolean;
}

const MAX_MESSAGE = 500;
// C0 and C1 controls (line breaks included): the message goes into one JSON string and into logs.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;
// An engine's own error code word (`context_length_exceeded`); anything else is not passed on as ours.
const CODE_WORD = /^[a-z][a-z0-9_]{0,63}$/;

export function readErrorBody(body: string): OriginErrorDetail {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    if (isHtml(body)) return { message: tidy(htmlText(body)) || 'an HTML error page', html: true };
    return { message: tidy(body) || 'no error body' };
  }
  if (parsed === null || typeof parsed !== 'object') return { message: tidy(String(parsed)) };
  const obj = parsed as Record<string, unknown>;
  const nested = obj.error;
  if (nested !== null && typeof nested === 'object') return fromFields(nested as Record<string, unknown>);
  if (typeof nested === 'string') return withType({ message: tidy(nested) }, obj.error_type);
  if (typeof obj.message === 'string') return fromFields(obj);
  if (obj.detail !== undefined) return { message: tidy(detailText(obj.detail)) };
  return { message: tidy(body) };
}

function fromFields(obj: Record<string, unknown>): OriginErrorDetail {
  const message = typeof obj.message === 'string' ? obj.message : JSON.stringify(obj);
  const out: OriginErrorDetail = { message: tidy(message) };
  if (typeof obj.code === 'string' && CODE_WORD.test(obj.code)) out.code = obj.code;
  if (typeof obj.param === 'string' && obj.param.length > 0) out.param = tidy(obj.param).slice(0, 64);
  return withType(out, obj.type);
}

function withType(detail: OriginErrorDetail, type: unknown): OriginErrorDetail {
  if (typeof type === 'string') detail.type = type;
  return detail;
}

/** FastAPI's validation `detail`: a list of `{loc, msg}` read as `body.field: msg; …`. */
function detailText(detail: unknown): string {
  if (typeof detail === 'string') return detail;
  if (!Array.isArray(detail)) return JSON.stringify(detail);
  const parts = detail.map((item) => {
    const { loc, msg } = (item ?? {}) as { loc?: unknown; msg?: unknown };
    if (typeof msg !== 'string') return JSON.stringify(item);
    return Array.isArray(loc) && loc.length > 0 ? `${loc.join('.')}: ${msg}` : msg;
  });
  return parts.join('; ');
}

/** Markup, not an engine's JSON or text: no engine writes its errors as HTML (or XML). */
function isHtml(body: string): boolean {
  return /^\s*<(?:!doctype[\s>]|\?xml[\s>]|[a-z][a-z0-9]*[\s/>])/i.test(body);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' };

/** An error page's title (`502 Bad Gateway`), else its visible text. */
function htmlText(body: string): string {
  // The top of the page holds its title and message; a bound keeps the lazy scans below cheap on any page.
  const page = body.slice(0, 8192);
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(page)?.[1];
  const text =
    title && title.trim().length > 0
      ? title
      : page.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ');
  // Entities are decoded last, so a decoded `<` is never read as markup; it is then dropped with the rest.
  return text
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, e: string) => ENTITIES[e] ?? ' ')
    .replace(/[<>]/g, ' ')
    .replace(/\s+/g, ' ');
}

/** One line of at most MAX_MESSAGE characters, never splitting a surrogate pair. */
function tidy(text: string): string {
  const line = text.replace(CONTROL, ' ').trim();
  if (line.length <= MAX_MESSAGE) return line;
  const end = /[\ud800-\udbff]/.test(line.charAt(MAX_MESSAGE - 1)) ? MAX_MESSAGE - 1 : MAX_MESSAGE;
  return line.slice(0, end);
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
  /context length|maximum context|too long|max_model_len|exceeds|input validation error: `inputs` tokens|must be <=|longer than the maximum model length/i;

/** The engine's message says the request does not fit the model's context window. */
export function isContextLengthMessage(message: string): boolean {
  return LENGTH_HINT.test(message);
}

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
  if (detail.html && status >= 400 && status < 500 && ![408, 413, 429].includes(status)) {
    // The engine never read the request: the proxy's refusal is the deployment's fault, not the client's.
    return new EcoError(
      502,
      'origin_error',
      `${engine}: a proxy in front of the engine refused the request: ${detail.message} (HTTP ${status})`,
    );
  }
  if (status === 400 || status === 422) {
    const code = LENGTH_HINT.test(detail.message)
      ? 'context_length_exceeded'
      : (detail.code ?? 'invalid_request');
    return new EcoError(400, code, message, detail.param ? { param: detail.param } : {});
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
