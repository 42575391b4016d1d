import { describe, expect, it } from 'vitest';
import { adapterFor, registeredProtocols } from '../../../origins/registry.ts';
import type { EngineProtocol } from '../../../schemas/config.ts';
import type { EcoError } from '../../../schemas/errors.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { ctx, pool } from './replay-b.ts';

// What an app using the openai client reads when an engine, or a proxy in front of it, refuses a
// request: the status it retries on (or not), and a message it can show.

const map = (protocol: EngineProtocol, status: number, body: string, headers: HeadersInit = {}): EcoError =>
  adapterFor(protocol)!.mapError(status, body, new Headers(headers));

const nginx = (status: number, reason: string) =>
  `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n`;

describe('HTML error pages from a proxy in front of an engine', () => {
  for (const protocol of registeredProtocols()) {
    it(`${protocol}: the page's title, not its markup, and the right status`, () => {
      const bad = map(protocol, 502, nginx(502, 'Bad Gateway'));
      expect(bad).toMatchObject({ status: 502, code: 'origin_error' });
      expect(bad.message).toContain('502 Bad Gateway');
      expect(bad.message).not.toMatch(/[<>\r\n]/);

      const unavailable = map(protocol, 503, nginx(503, 'Service Temporarily Unavailable'), {
        'retry-after': '7',
      });
      expect(unavailable).toMatchObject({ status: 503, retryAfterMs: 7000 });
      expect(unavailable.message).not.toMatch(/[<>]/);

      const tooLarge = map(protocol, 413, nginx(413, 'Request Entity Too Large'));
      expect(tooLarge).toMatchObject({ status: 413, code: 'body_too_large' });
      expect(tooLarge.message).toContain('413 Request Entity Too Large');
    });

    it(`${protocol}: a proxy's 400 page is not blamed on the client's request`, () => {
      const refused = map(protocol, 400, nginx(400, 'Request Header Or Cookie Too Large'));
      expect(refused).toMatchObject({ status: 502, code: 'origin_error' });
      expect(refused.message).toContain('Request Header Or Cookie Too Large');
      expect(refused.message).not.toMatch(/[<>]/);
    });
  }

  it('a bare markup fragment is a page too', () => {
    const e = map('sglang-openai', 400, '<h1>400 Bad Request</h1>\n<p>Invalid header</p>');
    expect(e).toMatchObject({ status: 502, code: 'origin_error' });
    expect(e.message).toContain('400 Bad Request Invalid header');
  });

  it('a page without a title is read as text, tags and line breaks gone', () => {
    const e = map('vllm', 502, '<!DOCTYPE html><html><body><p>upstream\nconnect error</p></body></html>');
    expect(e.message).toContain('upstream connect error');
    expect(e.message).not.toMatch(/[<>\n]/);
  });
});

describe("an engine's own 400/422 explanation reaches the client", () => {
  const cases: [EngineProtocol, number, string, string][] = [
    [
      'vllm',
      400,
      '{"error":{"message":"\'max_tokens\' must be at most 4096.\\nGot 9000.","type":"BadRequestError","param":"max_tokens","code":400}}',
      "'max_tokens' must be at most 4096. Got 9000.",
    ],
    [
      'sglang-openai',
      400,
      '{"object":"error","message":"Tool 0 function has invalid \'parameters\' schema","type":"BadRequestError","param":null,"code":400}',
      "Tool 0 function has invalid 'parameters' schema",
    ],
    [
      'lmdeploy-openai',
      400,
      '{"object":"error","message":"The top_p 0.0 must be in (0, 1].","type":"invalid_request_error","code":400,"param":null}',
      'The top_p 0.0 must be in (0, 1].',
    ],
    [
      'lmdeploy-openai',
      422,
      '{"detail":[{"loc":["body","messages"],"msg":"field required","type":"value_error.missing"},{"loc":["body","temperature"],"msg":"value is not a valid float","type":"type_error.float"}]}',
      'body.messages: field required; body.temperature: value is not a valid float',
    ],
    [
      'tgi-messages',
      422,
      '{"error":"Input validation error: `top_p` must be > 0.0 and < 1.0","error_type":"validation"}',
      '`top_p` must be > 0.0 and < 1.0',
    ],
    ['ollama', 400, '{"error":"invalid options: num_gpu"}', 'invalid options: num_gpu'],
    [
      'trtllm-serve',
      400,
      "{\"error\":\"[{'type': 'extra_forbidden', 'loc': ('body', 'foo')}]\"}",
      'extra_forbidden',
    ],
  ];
  for (const [protocol, status, body, text] of cases) {
    it(`${protocol} ${status}: 400 with the engine's words`, () => {
      const e = map(protocol, status, body);
      expect(e.status).toBe(400);
      expect(e.message).toContain(text);
      expect(e.message).not.toMatch(/[\r\n]/);
    });
  }

  it("the engine's param names the field when it gives one", () => {
    const e = map(
      'vllm',
      400,
      '{"error":{"message":"bad value","type":"BadRequestError","param":"max_tokens","code":400}}',
    );
    expect(e.param).toBe('max_tokens');
  });

  it('an engine code that is not a word is not passed on as the error code', () => {
    const e = map('vllm', 400, '{"error":{"message":"bad","type":"x","param":null,"code":"Bad Request!"}}');
    expect(e.code).toBe('invalid_request');
  });
});

describe('max_completion_tokens and max_tokens: one budget whatever the engine release reads', () => {
  const req = (over: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
    ...over,
  });
  const body = (protocol: EngineProtocol, over: Partial<ChatCompletionRequest>) =>
    JSON.parse(adapterFor(protocol)!.buildChat(req(over), ctx(pool(protocol), { stream: false })).body!);

  for (const protocol of ['vllm', 'sglang-openai', 'lmdeploy-openai'] as const) {
    it(`${protocol}: both names carry the newer field's value`, () => {
      expect(body(protocol, { max_tokens: 20, max_completion_tokens: 3 })).toMatchObject({
        max_tokens: 3,
        max_completion_tokens: 3,
      });
      // Releases from before max_completion_tokens existed read only max_tokens.
      expect(body(protocol, { max_completion_tokens: 5 })).toMatchObject({
        max_tokens: 5,
        max_completion_tokens: 5,
      });
      expect(body(protocol, { max_tokens: 7 })).toMatchObject({ max_tokens: 7, max_completion_tokens: 7 });
      const none = body(protocol, {});
      expect(none).not.toHaveProperty('max_tokens');
      expect(none).not.toHaveProperty('max_completion_tokens');
    });
  }
});
