import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

let key: string;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'surface-pool',
      protocol: 'vllm',
      origins: [{ id: 's1', url: 'http://surface-origin.test', capacity: 8, weight: 1 }],
    },
    'surface-model',
  );
});

const completion = {
  id: 'chatcmpl-x',
  object: 'chat.completion',
  created: 1,
  model: 'engine',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
};

function chat(body: string, headers: Record<string, string> = {}) {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body,
  });
}

describe('gateway surface', () => {
  it('answers liveness without auth', async () => {
    const res = await exports.default.fetch('http://gw/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('reports readiness from D1 and the configured pools', async () => {
    const res = await exports.default.fetch('http://gw/ready');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe('ready');
    expect(body.checks.d1?.ok).toBe(true);
  });

  it('serves an OpenAPI 3.1 document that lists the inference routes', async () => {
    const res = await exports.default.fetch('http://gw/openapi.json');
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/v1/chat/completions', '/v1/models', '/v1/completions', '/v1/embeddings']) {
      expect(doc.paths).toHaveProperty([path]);
    }
    const docs = await exports.default.fetch('http://gw/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('openapi.json');
  });

  it('answers 404 in the error shape for unknown routes', async () => {
    const res = await exports.default.fetch('http://gw/nope');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('rejects malformed JSON with 400 invalid_json', async () => {
    const res = await chat('{"model": ');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
  });

  it('refuses a body that is not UTF-8 instead of replacing its bytes', async () => {
    const head = new TextEncoder().encode('{"model":"surface-model","messages":[{"role":"user","content":"');
    const tail = new TextEncoder().encode('"}]}');
    const body = new Uint8Array([...head, 0xff, 0xfe, ...tail]);
    const res = await exports.default.fetch('http://gw/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; type: string } }).error).toMatchObject({
      code: 'invalid_encoding',
      type: 'invalid_request_error',
    });
  });

  it('rejects an oversized body with 413 before reading it all', async () => {
    const res = await chat(
      JSON.stringify({
        model: 'surface-model',
        messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }],
      }),
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string; type: string } }).error).toMatchObject({
      code: 'body_too_large',
      type: 'invalid_request_error',
    });
  });

  it('refuses n > 1 as a parameter not served, and an n OpenAI would not take as malformed', async () => {
    const body = (n: unknown) =>
      JSON.stringify({ model: 'surface-model', n, messages: [{ role: 'user', content: 'x' }] });
    const several = await chat(body(2));
    expect(several.status).toBe(400);
    expect(((await several.json()) as { error: object }).error).toMatchObject({
      code: 'unsupported_parameter',
      param: 'n',
    });
    for (const bad of [129, 0, 2.5, '2']) {
      const res = await chat(body(bad));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: object }).error).toMatchObject({
        code: 'invalid_request',
        param: 'n',
      });
    }
  });

  it.each([
    [{ stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', 'expected array to have <=4 items'],
    [{ response_format: { type: 'xml' } }, 'response_format.type', 'expected one of "text", "json_object"'],
    [{ response_format: { type: 'json_schema' } }, 'response_format.json_schema', 'expected object'],
    [
      { messages: [{ role: 'user', content: 5 }] },
      'messages.0.content',
      'expected string or array, received number',
    ],
    [
      { tool_choice: 'any' },
      'tool_choice',
      'expected one of "none", "auto", "required" or object, received string',
    ],
    [
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 5 }] }] },
      'messages.0.content.0.image_url',
      'expected object, received number',
    ],
  ])('explains a value no branch of a union takes: %j', async (fields, param, words) => {
    const res = await chat(
      JSON.stringify({ model: 'surface-model', messages: [{ role: 'user', content: 'x' }], ...fields }),
    );
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { param: string; message: string } };
    expect(error.param).toBe(param);
    expect(error.message).toContain(words);
  });

  // OpenAI answers 400 to an assistant turn that says nothing and calls nothing (content "" is an
  // answer of nothing, which it accepts: see empty-assistant-turn.test.ts).
  it.each([
    [{ role: 'assistant' }],
    [{ role: 'assistant', content: null }],
    [{ role: 'assistant', content: [] }],
    [{ role: 'assistant', content: null, tool_calls: [] }],
    [{ role: 'assistant', content: null, tool_calls: null, refusal: null }],
  ])('refuses an empty assistant message: %j', async (message) => {
    mockOrigin('surface-origin.test', () => Response.json(completion));
    const res = await chat(
      JSON.stringify({ model: 'surface-model', messages: [{ role: 'user', content: 'x' }, message] }),
    );
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_request',
      param: 'messages.1.content',
    });
    expect(error.message).toContain('content, tool_calls or a refusal');
  });

  it.each([
    [
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
      },
    ],
    [{ role: 'assistant', content: null, refusal: 'I cannot help with that.' }],
  ])('accepts an assistant message with only tool_calls or a refusal: %j', async (message) => {
    mockOrigin('surface-origin.test', () => Response.json(completion));
    const res = await chat(
      JSON.stringify({
        model: 'surface-model',
        messages: [{ role: 'user', content: 'x' }, message, { role: 'user', content: 'y' }],
      }),
    );
    expect(res.status).toBe(200);
  });

  it.each(['max_tokens', 'max_completion_tokens'])(
    'names the real bound of %s on a huge number',
    async (field) => {
      const res = await chat(
        JSON.stringify({
          model: 'surface-model',
          messages: [{ role: 'user', content: 'x' }],
          [field]: 1e300,
        }),
      );
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { param: string; message: string } };
      expect(error.param).toBe(field);
      expect(error.message).toContain('<=1048576');
      expect(error.message).not.toContain('9007199254740991');
    },
  );

  it('keeps the caller request id, adds server-timing and propagates traceparent', async () => {
    let seen: Headers | undefined;
    mockOrigin('surface-origin.test', (req) => {
      seen = req.headers;
      return Response.json(completion);
    });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await chat(
      JSON.stringify({ model: 'surface-model', messages: [{ role: 'user', content: 'x' }] }),
      {
        'x-request-id': 'caller-id-1',
        traceparent,
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('caller-id-1');
    expect(res.headers.get('server-timing')).toMatch(/gateway;dur=[\d.]+, origin;dur=[\d.]+/);
    expect(seen?.get('traceparent')).toBe(traceparent);
    // The origin gets the caller's id with a suffix of its own: engines (vLLM) take it as their request
    // id, and a caller's id may be shared by requests in flight together.
    expect(seen?.get('x-request-id')).toMatch(/^caller-id-1-[0-9a-f]{16}$/);
  });

  it('fails fast on a client error from the origin (no retry)', async () => {
    let calls = 0;
    mockOrigin('surface-origin.test', () => {
      calls++;
      return Response.json(
        {
          error: {
            message: "This model's maximum context length is 8192 tokens",
            type: 'BadRequestError',
            param: null,
            code: 400,
          },
        },
        { status: 400 },
      );
    });
    const res = await chat(
      JSON.stringify({ model: 'surface-model', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('context_length_exceeded');
    expect(calls).toBe(1);
  });

  it('retries a 5xx and answers 502 when every try fails, never a 200', async () => {
    let calls = 0;
    mockOrigin('surface-origin.test', () => {
      calls++;
      return new Response('upstream exploded', { status: 500 });
    });
    const res = await chat(
      JSON.stringify({ model: 'surface-model', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('server_error');
    expect(calls).toBe(2);
  });

  it('treats a non-JSON 200 from the origin as a 502', async () => {
    mockOrigin('surface-origin.test', () => new Response('<html>proxy error</html>', { status: 200 }));
    const res = await chat(
      JSON.stringify({ model: 'surface-model', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('origin_malformed_response');
  });

  it('answers 503 with retry-after when the origin is overloaded on every try', async () => {
    mockOrigin(
      'surface-origin.test',
      () =>
        new Response(JSON.stringify({ error: 'Model is overloaded', error_type: 'overloaded' }), {
          status: 503,
          headers: { 'retry-after': '2' },
        }),
    );
    const res = await chat(
      JSON.stringify({ model: 'surface-model', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('retry-after-ms')).toBe('2000');
  });
});
