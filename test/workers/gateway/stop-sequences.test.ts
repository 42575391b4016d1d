import { exports } from 'cloudflare:workers';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// An empty stop sequence matches at every position: vLLM refuses it, other engines would end the answer
// before its first token. The gateway refuses it the same way whichever engine serves the model.

let key: string;
let originCalls = 0;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'stop-pool',
      protocol: 'vllm',
      origins: [{ id: 's1', url: 'http://stop-origin.test', capacity: 8, weight: 1 }],
    },
    'stop-model',
  );
});

beforeEach(() => {
  originCalls = 0;
  mockOrigin('stop-origin.test', async (req) => {
    originCalls++;
    const body = (await req.json()) as { prompt?: unknown };
    if (body.prompt === undefined) return chatAnswer('ok');
    return Response.json({
      id: 'c',
      object: 'text_completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, text: 'ok', logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  });
});

const endpoints = {
  chat: ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }],
  completions: ['/v1/completions', { prompt: 'hi' }],
} as const;

function post(endpoint: keyof typeof endpoints, stop: unknown) {
  const [path, fields] = endpoints[endpoint];
  return exports.default.fetch(`http://gw${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'stop-model', ...fields, stop }),
  });
}

describe.each(['chat', 'completions'] as const)('stop on %s', (endpoint) => {
  it.each([
    ['an empty string', '', 'stop'],
    ['an empty entry in a list', ['done', ''], 'stop.1'],
  ])('refuses %s with 400 naming it, before any origin is called', async (_, stop, param) => {
    const res = await post(endpoint, stop);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; param: string; message: string } };
    expect(error).toMatchObject({ code: 'invalid_request', param });
    expect(error.message).toContain('empty');
    expect(originCalls).toBe(0);
  });

  it.each([
    ['a string', '\n'],
    ['a list of four', ['a', 'b', 'c', ' ']],
    ['an empty list', []],
    ['null', null],
  ])('takes %s', async (_, stop) => {
    const res = await post(endpoint, stop);
    expect(res.status).toBe(200);
    expect(originCalls).toBe(1);
  });

  it('refuses a fifth sequence', async () => {
    const res = await post(endpoint, ['a', 'b', 'c', 'd', 'e']);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('stop');
  });
});
