import { beforeAll, describe, expect, it } from 'vitest';
import type { PoolConfig } from '../../../schemas/config.ts';
import { EcoError } from '../../../schemas/errors.ts';
import { maskSecret, withoutPoolSecret } from '../../../workers/dispatch/origin-fetch.ts';
import type { Env } from '../../../workers/env.ts';
import { chatAnswer, mockOrigin, sseResponse } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { callWithVars } from '../identity/helpers.ts';

const ORIGIN = 'sec-origin.test';
const ELSEWHERE = 'sec-elsewhere.test';
const SECRET_NAME = 'SEC_TEST_POOL_SECRET';
const SECRET = 'pool-secret-value-0123456789';
const vars = { [SECRET_NAME]: SECRET };

beforeAll(() =>
  seedPool(
    {
      name: 'sec-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${ORIGIN}`, capacity: 64, weight: 1 }],
      auth: { header: 'x-api-key', secret: SECRET_NAME },
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    'sec-model',
  ),
);

function chat(key: string, headers: Record<string, string> = {}) {
  return callWithVars(vars, '/v1/chat/completions', key, {
    method: 'POST',
    body: { model: 'sec-model', messages: [{ role: 'user', content: 'hello' }] },
    headers,
  });
}

describe('what reaches an origin', () => {
  it("passes on none of the client's credentials, cookies, addresses or hop-by-hop headers", async () => {
    const seen: Headers[] = [];
    mockOrigin(ORIGIN, (req) => {
      seen.push(req.headers);
      return chatAnswer();
    });
    const key = await seedKey({ tenant: 'sec-a' });
    // An address no other test file fails credentials from: test files share the isolate's failure throttle.
    const res = await chat(key, {
      cookie: 'session=client-cookie',
      'x-forwarded-for': '192.0.2.41',
      'x-real-ip': '192.0.2.41',
      forwarded: 'for=192.0.2.41',
      'cf-connecting-ip': '192.0.2.41',
      'proxy-authorization': 'Basic Y2xpZW50OnNlY3JldA==',
      'x-api-key': 'client-chosen-value',
      'x-eco-affinity': 'sticky',
      'x-request-id': 'r'.repeat(200),
      traceparent: '00-zz-not-a-trace',
      'user-agent': 'client-agent',
    });
    expect(res.status).toBe(200);
    await res.text();
    expect(seen).toHaveLength(1);
    const headers = Object.fromEntries(seen[0]!);
    // An allow-list: anything else a future change lets through fails here.
    expect(Object.keys(headers).sort()).toEqual(['accept', 'content-type', 'x-api-key', 'x-request-id']);
    // The pool's own secret, never the client's value under the same name.
    expect(headers['x-api-key']).toBe(SECRET);
    expect(JSON.stringify(headers)).not.toContain(key);
    // A client id that is not sane is replaced, not forwarded (nor echoed).
    expect(headers['x-request-id']).not.toContain('rrrr');
    expect(res.headers.get('x-request-id')).toBe(headers['x-request-id']);
  });

  it("never follows an origin's redirect: the request and the pool's secret stay with the configured URL", async () => {
    const elsewhere: Headers[] = [];
    let redirectMode = '';
    mockOrigin(ELSEWHERE, (req) => {
      elsewhere.push(req.headers);
      return chatAnswer('from elsewhere');
    });
    mockOrigin(ORIGIN, async (req) => {
      redirectMode = req.redirect;
      const location = `http://${ELSEWHERE}/v1/chat/completions`;
      // What the runtime's fetch does with `redirect: 'follow'` (its default): the same method, body and
      // headers, the pool's credential among them, sent on to the new location.
      if (req.redirect === 'follow') return fetch(new Request(location, req));
      return new Response(null, { status: 307, headers: { location } });
    });
    const key = await seedKey({ tenant: 'sec-a' });
    const res = await chat(key);
    const body = (await res.json()) as { error?: { code: string; message: string } };
    expect(redirectMode).toBe('manual');
    expect(elsewhere).toEqual([]);
    expect(res.status).toBe(502);
    expect(body.error?.code).toBe('origin_redirected');
    expect(body.error?.message).toContain('307');
    // The client is not told where the origin points: that is the deployment's business.
    expect(body.error?.message).not.toContain(ELSEWHERE);
  });
});

describe('what comes back from an origin', () => {
  it("never relays an origin's cookies or other response headers", async () => {
    mockOrigin(ORIGIN, () => {
      const res = chatAnswer();
      const headers = new Headers(res.headers);
      headers.set('set-cookie', 'origin-session=1');
      headers.set('x-internal-host', 'gpu-7.internal');
      return new Response(res.body, { status: 200, headers });
    });
    const res = await chat(await seedKey({ tenant: 'sec-a' }));
    expect(res.status).toBe(200);
    await res.text();
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('x-internal-host')).toBeNull();
  });

  it("never shows the client the pool's secret when an origin's error quotes it", async () => {
    mockOrigin(ORIGIN, (req) =>
      Response.json(
        { error: { message: `Incorrect API key provided: ${req.headers.get('x-api-key')}.`, type: 'auth' } },
        { status: 401 },
      ),
    );
    const res = await chat(await seedKey({ tenant: 'sec-a' }));
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(text).not.toContain(SECRET);
  });

  it("never shows the pool's secret in a stream's error, before or after output began", async () => {
    const chunk = JSON.stringify({
      id: 'x',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: { role: 'assistant', content: 'partial' }, finish_reason: null }],
    });
    const failure = JSON.stringify({
      error: { message: `Incorrect API key provided: ${SECRET}.`, code: 500 },
    });
    const key = await seedKey({ tenant: 'sec-a' });
    const stream = () =>
      callWithVars(vars, '/v1/chat/completions', key, {
        method: 'POST',
        body: { model: 'sec-model', stream: true, messages: [{ role: 'user', content: 'hello' }] },
      });
    // After output reached the client (the token and the error in two reads): the terminal error event.
    mockOrigin(ORIGIN, () => {
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode(`data: ${chunk}\n\n`));
          controller.enqueue(encoder.encode(`data: ${failure}\n\n`));
          controller.close();
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    });
    const late = await stream();
    expect(late.status).toBe(200);
    const text = await late.text();
    expect(text).toContain('partial');
    expect(text).toContain('"error"');
    expect(text).toContain('[pool secret]');
    expect(text).not.toContain(SECRET);
    // In the same read as the first token: the error comes before any output, as a real status.
    mockOrigin(ORIGIN, () => sseResponse([chunk, failure]));
    const early = await stream();
    expect(early.status).toBe(502);
    const earlyText = await early.text();
    expect(earlyText).toContain('[pool secret]');
    expect(earlyText).not.toContain(SECRET);
  });

  it('masks a secret stored with surrounding whitespace as it was sent: trimmed', () => {
    const pool = {
      name: 'ws',
      auth: { header: 'authorization', secret: 'ECO_WS_SECRET', prefix: 'Bearer ' },
    };
    const error = new EcoError(401, 'origin_error', 'Incorrect API key provided: sk-trailing-123.');
    const masked = withoutPoolSecret(
      error,
      pool as unknown as PoolConfig,
      {
        ECO_WS_SECRET: ' sk-trailing-123\n',
      } as unknown as Env,
    );
    expect(masked.message).toBe('Incorrect API key provided: [pool secret].');
  });

  it.each([
    ['quoted whole', 'key sk-cut-0123456789 is wrong', 'key [pool secret] is wrong'],
    ['cut inside it', 'Invalid token: sk-cut-01234', 'Invalid token: [pool secret]'],
    ['cut inside it, with an ellipsis', 'Invalid token: sk-cut-0…', 'Invalid token: [pool secret]…'],
    ['its first three characters only', 'ends in sk-', 'ends in sk-'],
    ['not quoted', 'model not found', 'model not found'],
  ])('masks the secret %s', (_, text, expected) => {
    expect(maskSecret(text, 'sk-cut-0123456789')).toBe(expected);
  });
});
