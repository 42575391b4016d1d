import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatAnswer, mockOrigin, sseResponse } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'engine-side-name',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });

let key: string;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'chat-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: 'http://chat-origin.test', capacity: 8, weight: 1 }],
    },
    'chat-model',
  );
});

function post(body: unknown, headers: Record<string, string> = {}) {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('POST /v1/chat/completions', () => {
  it('relays a stream with the client model, usage when asked, and [DONE]', async () => {
    let sent: Record<string, unknown> | undefined;
    mockOrigin('chat-origin.test', async (req) => {
      sent = (await req.json()) as Record<string, unknown>;
      return sseResponse([
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Hel' }),
        chunk({ content: 'lo' }),
        chunk({}, 'stop'),
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'engine-side-name',
          choices: [],
          usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
        }),
        '[DONE]',
      ]);
    });
    const res = await post({
      model: 'chat-model',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(text).not.toContain('engine-side-name');
    const usage = JSON.parse(events.at(-2)!.slice(6));
    expect(usage.usage).toEqual({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
    expect(sent?.model).toBe('chat-model-engine');
    expect(sent?.messages).toHaveLength(2);
  });

  it('drops the usage chunk when the client did not ask for it', async () => {
    mockOrigin('chat-origin.test', () =>
      sseResponse([
        chunk({ content: 'x' }, 'stop'),
        JSON.stringify({
          id: 'c',
          choices: [],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
        '[DONE]',
      ]),
    );
    const text = await (
      await post({ model: 'chat-model', stream: true, messages: [{ role: 'user', content: 'hi' }] })
    ).text();
    expect(text).not.toContain('"usage"');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it.each(['minimal', 'low', 'medium', 'high'])(
    'forwards reasoning_effort %s to the engine',
    async (effort) => {
      let sent: Record<string, unknown> | undefined;
      mockOrigin('chat-origin.test', async (req) => {
        sent = (await req.json()) as Record<string, unknown>;
        return chatAnswer();
      });
      const res = await post({
        model: 'chat-model',
        reasoning_effort: effort,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(res.status).toBe(200);
      expect(sent?.reasoning_effort).toBe(effort);
    },
  );

  it('refuses a reasoning_effort OpenAI does not define, naming the ones it does', async () => {
    const res = await post({
      model: 'chat-model',
      reasoning_effort: 'extreme',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { param: string; message: string; code: string } };
    expect(error.code).toBe('invalid_request');
    expect(error.param).toBe('reasoning_effort');
    expect(error.message).toContain('expected one of "none"|"minimal"|"low"|"medium"|"high"|"xhigh"|"max"');
  });

  it('answers a 400 with the dotted param for a bad role', async () => {
    const res = await post({ model: 'chat-model', messages: [{ role: 'robot', content: 'x' }] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { param: string; type: string } };
    expect(body.error.param).toBe('messages.0.role');
    expect(body.error.type).toBe('invalid_request_error');
  });

  it('answers 404 model_not_found for an unknown model', async () => {
    const res = await post({ model: 'nope', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
  });

  it('answers 401 without a key and carries x-request-id', async () => {
    const res = await exports.default.fetch('http://gw/v1/chat/completions', { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });
});
