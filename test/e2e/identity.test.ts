import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import OpenAI, { type APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningStack, startStack } from './helpers/stack.ts';

const stack = inject('stack');

async function admin(path: string, method = 'GET', body?: unknown, base = stack.gateway, key = stack.apiKey) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { key?: string; id: string },
  };
}

const client = (apiKey: string, base = stack.gateway) =>
  new OpenAI({ baseURL: `${base}/v1`, apiKey, maxRetries: 0 });

const ask = (apiKey: string, base?: string) =>
  client(apiKey, base).chat.completions.create({
    model: 'dev-vllm',
    max_tokens: 3,
    messages: [{ role: 'user', content: 'hi' }],
  });

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('API key lifecycle against the dev stack (openai client)', () => {
  it('create → use → rotate with grace → revoke → 401', async () => {
    const created = await admin('/admin/keys', 'POST', { name: 'e2e', tenant: 'e2e' });
    expect(created.status).toBe(201);
    const secret = created.body.key!;
    const completion = await ask(secret);
    expect(completion.usage?.completion_tokens).toBe(3);

    const rotated = await admin(`/admin/keys/${created.body.id}/rotate`, 'POST', { grace_period_seconds: 1 });
    const fresh = rotated.body.key!;
    expect(await status(ask(fresh))).toBe(200);
    await until(async () => (await status(ask(secret))) === 401, 8000);
    expect(await status(ask(fresh))).toBe(200);

    await admin(`/admin/keys/${created.body.id}/revoke`, 'POST');
    // Another isolate may hold the key for up to ECO_KEY_CACHE_TTL_MS (5 s).
    await until(async () => (await status(ask(fresh))) === 401, 7000);
    const err = await ask(fresh).catch((e: unknown) => e as APIError);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as APIError).code).toBe('api_key_revoked');
  });

  it('enforces requests per minute with OpenAI-style headers and Retry-After', async () => {
    const created = await admin('/admin/keys', 'POST', {
      name: 'rpm',
      tenant: 'e2e',
      limits: { requests_per_minute: 3 },
    });
    const c = client(created.body.key!);
    const ok = await c.chat.completions
      .create({ model: 'dev-vllm', max_tokens: 2, messages: [{ role: 'user', content: 'x' }] })
      .withResponse();
    expect(ok.response.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(ok.response.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    const results = await Promise.all(Array.from({ length: 5 }, () => status(ask(created.body.key!))));
    expect(results.filter((s) => s === 200)).toHaveLength(2);
    expect(results.filter((s) => s === 429)).toHaveLength(3);
    const limited = await ask(created.body.key!).catch((e: unknown) => e as APIError);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    const retryMs = Number((limited as APIError).headers?.get('retry-after-ms'));
    expect(retryMs).toBeGreaterThan(0);
    expect(retryMs).toBeLessThanOrEqual(20_000);
  });

  it('exchanges a key for a JWT that works with the openai client', async () => {
    const created = await admin('/admin/keys', 'POST', { name: 'jwt', tenant: 'e2e' });
    const res = await admin('/v1/auth/token', 'POST', {}, stack.gateway, created.body.key!);
    expect(res.status).toBe(200);
    expect((await ask(res.body.access_token as string)).object).toBe('chat.completion');
  });
});

describe('identity-provider JWTs from a real JWKS server', () => {
  let jwks: Server;
  let own: RunningStack;
  let privateKey: CryptoKey;
  const ISS = 'https://idp.e2e.test/';
  const AUD = 'eco-e2e';

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'e2e-1', alg: 'ES256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const port = (jwks.address() as { port: number }).port;
    own = await startStack({
      vars: {
        ECO_JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
        ECO_JWT_ISSUER: ISS,
        ECO_JWT_AUDIENCE: AUD,
      },
    });
  }, 150_000);

  afterAll(async () => {
    await own?.stop({ removeState: true });
    await new Promise((r) => jwks?.close(r));
  });

  const sign = (claims: Record<string, unknown>, exp = '5m') =>
    new SignJWT({ sub: 'alice', eco_tenant: 'idp', scope: 'inference', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'e2e-1' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setExpirationTime(exp)
      .sign(privateKey);

  it('accepts a valid token and rejects expired, wrong-audience and unsigned ones with 401', async () => {
    expect((await ask(await sign({}), own.gateway)).object).toBe('chat.completion');
    const expired = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'ES256', kid: 'e2e-1' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(privateKey);
    const wrongAud = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'ES256', kid: 'e2e-1' })
      .setIssuer(ISS)
      .setAudience('someone-else')
      .setExpirationTime('5m')
      .sign(privateKey);
    const valid = await sign({});
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${valid.split('.')[1]}.`;
    for (const [token, code] of [
      [expired, 'jwt_expired'],
      [wrongAud, 'jwt_wrong_audience'],
      [unsigned, 'jwt_unsigned'],
    ] as const) {
      const err = await ask(token, own.gateway).catch((e: unknown) => e as APIError);
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((err as APIError).code).toBe(code);
    }
  });
});
