import { fieldValue, isFieldAllowed } from '../../origins/http1/request-head.ts';
import { Http1Error } from '../../origins/http1/response-head.ts';
import type { OriginRequest } from '../../origins/types.ts';
import type { PoolConfig, StreamTransport } from '../../schemas/config.ts';
import { EcoError } from '../../schemas/errors.ts';
import { poolSecretRefusal } from '../auth/pool-secret-names.ts';
import type { Env } from '../env.ts';
import type { OriginResponse } from './origin-response.ts';
import { type After, ownTimer } from './request-timers.ts';
import { socketFetch } from './socket-fetch.ts';

export interface OriginCall {
  baseUrl: string;
  request: OriginRequest;
  pool: PoolConfig;
  env: Env;
  requestId: string;
  traceparent?: string;
  /** Aborts the origin request: the client went away, or a timeout fired. */
  signal: AbortSignal;
  headersTimeoutMs: number;
  /** What the 504 says when that wait runs out (default: no response headers within it). */
  timeoutMessage?: string;
  /** How the exchange reaches the origin (default `fetch`); see `socketFetch`. */
  transport?: StreamTransport;
  /** Schedules the headers timeout (default: a timer of its own). */
  after?: After;
}

/**
 * Origin auth header from a named Worker secret; a missing secret, or one a pool may not send (the
 * gateway's own, a bot's: see pool-secret-names.ts), is a configuration error (502).
 */
export async function originAuthHeaders(pool: PoolConfig, env: Env): Promise<Record<string, string>> {
  if (!pool.auth) return {};
  const refusal = await poolSecretRefusal(env.DB, pool.auth.secret);
  if (refusal !== undefined) {
    throw new EcoError(
      502,
      'origin_misconfigured',
      `Pool '${pool.name}' has an origin auth that ${refusal}, which is never sent to an origin; correct the pool's auth.`,
    );
  }
  const secret = env[pool.auth.secret];
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new EcoError(502, 'origin_misconfigured', `Pool '${pool.name}' names a secret that is not set.`);
  }
  return { [pool.auth.header]: `${pool.auth.prefix ?? ''}${secret}` };
}

/**
 * An origin's error text may quote the credential it was sent (some proxies answer "Incorrect API key
 * provided: …"); the pool's secret never reaches the client, a usage row or a log through it.
 */
export function withoutPoolSecret(error: EcoError, pool: PoolConfig, env: Env): EcoError {
  const stored = pool.auth ? env[pool.auth.secret] : undefined;
  // As sent: trimmed like any header value (a secret stored with its newline is sent without it).
  const secret = typeof stored === 'string' ? fieldValue(stored) : '';
  const message = secret === '' ? error.message : maskSecret(error.message, secret);
  if (message === error.message) return error;
  const copy = new EcoError(error.status, error.code, message, {
    param: error.param,
    ...(error.headers === undefined ? {} : { headers: error.headers }),
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
  });
  if ((error as { committed?: boolean }).committed) (copy as { committed?: boolean }).committed = true;
  return copy;
}

/** Shortest start of a secret masked where a cut left it at the end of a text. */
const MIN_CUT_SECRET = 4;

/**
 * `text` with every copy of `secret` masked, and also its start when the text ends in one: origin text
 * is cut to a length before it gets here, and the cut may fall inside a quoted secret (an ellipsis may
 * mark the cut).
 */
export function maskSecret(text: string, secret: string): string {
  const masked = text.replaceAll(secret, '[pool secret]');
  const ellipsis = masked.endsWith('…') ? '…' : '';
  const body = masked.slice(0, masked.length - ellipsis.length);
  for (let k = Math.min(secret.length - 1, body.length); k >= MIN_CUT_SECRET; k--) {
    if (body.endsWith(secret.slice(0, k))) return `${body.slice(0, -k)}[pool secret]${ellipsis}`;
  }
  return masked;
}

/**
 * One HTTP exchange with an origin, up to its response headers. Workers' fetch has no separate
 * connect phase, so the headers timeout covers connect + queueing + prefill of a non-stream call.
 */
export async function fetchOrigin(call: OriginCall): Promise<OriginResponse> {
  const url = call.baseUrl.replace(/\/+$/, '') + call.request.path;
  // A plain record (names in lower case, so later fields replace earlier ones as Headers.set would),
  // which either transport takes as it is.
  const fields: Record<string, string> = {};
  for (const name in call.request.headers) fields[name.toLowerCase()] = call.request.headers[name] as string;
  fields['x-request-id'] = call.requestId;
  if (call.traceparent) fields.traceparent = call.traceparent;
  const auth = await originAuthHeaders(call.pool, call.env);
  for (const name in auth) {
    const value = fieldValue(auth[name] as string);
    // A pool stored before its auth header was checked on write: a configuration error, not a crash.
    if (!isFieldAllowed(name, value)) {
      throw new EcoError(
        502,
        'origin_misconfigured',
        `Pool '${call.pool.name}' has an origin auth header the runtime refuses; correct the pool's auth.`,
      );
    }
    fields[name.toLowerCase()] = value;
  }

  const timeout = new AbortController();
  const cancelTimer = (call.after ?? ownTimer)(call.headersTimeoutMs, () => timeout.abort());
  const send = call.transport === 'socket' ? socketFetch : fetch;
  let response: OriginResponse;
  try {
    response = await send(url, {
      method: call.request.method,
      headers: fields,
      ...(call.request.body === undefined ? {} : { body: call.request.body }),
      signal: AbortSignal.any([call.signal, timeout.signal]),
      // A redirect would carry the prompt and the pool's credential to wherever it points.
      redirect: 'manual',
    });
  } catch (err) {
    if (call.signal.aborted) throw new EcoError(499, 'client_closed', 'The client closed the request.');
    if (timeout.signal.aborted) {
      throw new EcoError(
        504,
        'origin_timeout',
        call.timeoutMessage ?? `No response headers from the origin within ${call.headersTimeoutMs} ms.`,
      );
    }
    if (err instanceof Http1Error) {
      throw new EcoError(
        502,
        'origin_malformed_response',
        `The origin's response broke HTTP/1.1: ${err.message}`,
      );
    }
    throw new EcoError(
      502,
      'origin_unreachable',
      `The origin could not be reached: ${String(err).slice(0, 200)}`,
    );
  } finally {
    cancelTimer();
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => {});
    throw redirected(call.pool.name, response.status);
  }
  return response;
}

/** Where it points is not repeated: the client calling the model has no business with the deployment. */
function redirected(pool: string, status: number): EcoError {
  return new EcoError(
    502,
    'origin_redirected',
    `An origin of pool '${pool}' answered with a redirect (HTTP ${status}), which is never followed; its URL in the pool needs correcting.`,
  );
}
