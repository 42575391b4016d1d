/**
 * The one error type of the platform. Anything that can fail — validation, auth, limits, origins —
 * throws or returns an EcoError; `workers/http/error-response.ts` is the only place that turns it
 * into an HTTP response or a terminal SSE event.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error';

export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null };
}

export interface EcoErrorOptions {
  param?: string | null;
  /** How long the caller should wait before retrying (429/503). */
  retryAfterMs?: number;
  /** Extra response headers (rate-limit headers on a 429, for example). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class EcoError extends Error {
  readonly status: number;
  readonly code: string;
  readonly param: string | null;
  readonly retryAfterMs: number | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, code: string, message: string, options: EcoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EcoError';
    this.status = status;
    this.code = code;
    this.param = options.param ?? null;
    this.retryAfterMs = options.retryAfterMs;
    this.headers = options.headers;
  }
}

/**
 * The same error with `headers` under its own (the error's win): a request's rate-limit headers belong
 * on its error response too.
 */
export function withHeaders(err: EcoError, headers: Record<string, string>): EcoError {
  const copy = new EcoError(err.status, err.code, err.message, {
    param: err.param,
    headers: { ...headers, ...err.headers },
    ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
    ...(err.cause === undefined ? {} : { cause: err.cause }),
  });
  if ((err as { committed?: boolean }).committed) (copy as { committed?: boolean }).committed = true;
  return copy;
}

/** OpenAI's `type` follows from the status, so callers only choose a status and a code. */
export function errorTypeFor(status: number): ErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export function errorBody(err: EcoError): ErrorBody {
  return {
    error: { message: err.message, type: errorTypeFor(err.status), param: err.param, code: err.code },
  };
}

/** Plain data form of an error, safe to pass across Durable Object RPC (classes lose their fields). */
export interface ErrorInfo {
  status: number;
  code: string;
  message: string;
  param?: string | null;
  retryAfterMs?: number;
}

export function toErrorInfo(err: EcoError): ErrorInfo {
  return {
    status: err.status,
    code: err.code,
    message: err.message,
    param: err.param,
    ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
  };
}

export function fromErrorInfo(info: ErrorInfo): EcoError {
  return new EcoError(info.status, info.code, info.message, {
    param: info.param ?? null,
    ...(info.retryAfterMs === undefined ? {} : { retryAfterMs: info.retryAfterMs }),
  });
}

/** Anything thrown that is not an EcoError is an internal fault: never leak its message. */
export function asEcoError(err: unknown): EcoError {
  if (err instanceof EcoError) return err;
  return new EcoError(500, 'internal_error', 'The gateway hit an unexpected error.', { cause: err });
}
