import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { expect } from 'vitest';
import type { EcoError } from '../../../schemas/errors.ts';
import { authenticateJwt } from '../../../workers/auth/jwt-auth.ts';
import { invalidateKeyCache } from '../../../workers/data/api-keys.ts';
import type { Env } from '../../../workers/env.ts';
import type { UsageRecord } from '../../../workers/usage/record-usage.ts';
import { sseResponse, type Usage } from '../helpers/origin-mock.ts';
import { seedPool } from '../helpers/seed.ts';

export function call(
  path: string,
  key: string | null,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return exports.default.fetch(`http://gw${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

let app: ReturnType<typeof import('../../../workers/app.ts').createApp> | undefined;

/** As `call`, through a gateway whose vars differ from the configured ones by `vars`. */
export async function callWithVars(
  vars: Record<string, unknown>,
  path: string,
  key: string | null,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  // Loaded on first use: most files that share these helpers never need a second gateway.
  app ??= (await import('../../../workers/app.ts')).createApp();
  const headers: Record<string, string> = { ...init.headers };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const ctx = createExecutionContext();
  const res = await app.request(
    path,
    {
      method: init.method ?? 'GET',
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    },
    { ...env, ...vars },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

/** Back to before the bootstrap key was made: test files share one database, and that key has one id. */
export async function forgetBootstrapKey(): Promise<void> {
  await env.DB.batch([
    env.DB.prepare("DELETE FROM api_key_retired_hashes WHERE key_id = 'key_bootstrap_admin'"),
    env.DB.prepare("DELETE FROM api_keys WHERE id = 'key_bootstrap_admin'"),
    env.DB.prepare("DELETE FROM audit_log WHERE target = 'key_bootstrap_admin'"),
  ]);
  invalidateKeyCache();
}

export async function expectError(res: Response, status: number, code: string): Promise<void> {
  const body = (await res.json()) as { error: { code: string; type: string; message: string } };
  expect({ status: res.status, code: body.error?.code }).toEqual({ status, code });
  expect(typeof body.error.message).toBe('string');
}

/** Poll `check` until it returns true; fails after `timeoutMs`. Returns the elapsed time. */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  stepMs = 25,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A vLLM pool of one origin at `http://<host>` (answered by `mockOrigin`), serving `model`. */
export function seedVllmPool(pool: string, originId: string, host: string, model: string, capacity = 64) {
  return seedPool(
    { name: pool, protocol: 'vllm', origins: [{ id: originId, url: `http://${host}`, capacity, weight: 1 }] },
    model,
  );
}

/** A one-message chat through the gateway as `key`; `extra` adds body fields (`stream`, `max_tokens`…). */
export function chatAs(key: string, model: string, content = 'hello', extra: Record<string, unknown> = {}) {
  return call('/v1/chat/completions', key, {
    method: 'POST',
    body: { model, messages: [{ role: 'user', content }], ...extra },
  });
}

export { chatAnswer } from '../helpers/origin-mock.ts';

const streamChunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  JSON.stringify({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

/** A vLLM chat stream: the content, a stop chunk, the usage chunk and `[DONE]`. */
export function chatStreamAnswer(content: string, usage: Usage): Response {
  return sseResponse([
    streamChunk({ role: 'assistant', content }),
    streamChunk({}, 'stop'),
    JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage }),
    '[DONE]',
  ]);
}

/** A usage row of one token each way, as the gateway records a successful non-stream request. */
export function usageRecord(requestId: string, keyId: string): UsageRecord {
  return {
    requestId,
    keyId,
    tenant: 't',
    model: 'm',
    pool: null,
    origin: null,
    promptTokens: 1,
    completionTokens: 1,
    estimated: false,
    status: 200,
    latencyMs: 1,
    ttftMs: null,
    streamed: false,
  };
}

/** The identity provider the workers project is configured for (vitest.config.ts). */
export const TEST_ISSUER = 'https://idp.test/';
export const TEST_AUDIENCE = 'eco-gateway-test';
export const TEST_JWT_SECRET = new TextEncoder().encode(env.ECO_JWT_SECRET as string);

export interface TestJwtOptions {
  /** Default HS256; any other algorithm needs `key`. */
  alg?: string;
  kid?: string;
  /** Default the configured ECO_JWT_SECRET. */
  key?: CryptoKey | Uint8Array;
  /** `null` leaves the claim out. */
  iss?: string | null;
  aud?: string | null;
  /** Seconds since the epoch; default five minutes from now; `null` leaves it out. */
  exp?: number | null;
  nbf?: number;
}

/**
 * A token as the configured identity provider would sign it. `claims` go into the payload as given
 * (an `undefined` value leaves the claim out); the registered claims come from `options`.
 */
export function signTestJwt(claims: Record<string, unknown>, options: TestJwtOptions = {}): Promise<string> {
  const alg = options.alg ?? 'HS256';
  const jwt = new SignJWT(claims).setProtectedHeader({
    alg,
    ...(options.kid === undefined ? {} : { kid: options.kid }),
  });
  if (options.iss !== null) jwt.setIssuer(options.iss ?? TEST_ISSUER);
  if (options.aud !== null) jwt.setAudience(options.aud ?? TEST_AUDIENCE);
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 300);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(options.key ?? TEST_JWT_SECRET);
}

/** The error `authenticateJwt` refuses `token` with, or `undefined` when it accepts it. */
export async function jwtRefusal(token: string, withEnv: Env = env): Promise<EcoError | undefined> {
  try {
    await authenticateJwt(withEnv, token);
    return undefined;
  } catch (err) {
    return err as EcoError;
  }
}
