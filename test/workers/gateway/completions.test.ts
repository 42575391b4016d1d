import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { mockOrigin, sseResponse } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

let key: string;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'cmpl-pool',
      protocol: 'vllm',
      origins: [{ id: 'c1', url: 'http://cmpl-origin.test', capacity: 8, weight: 1 }],
    },
    'cmpl-model',
  );
});

function post(path: string, body: unknown) {
  return exports.default.fetch(`http://gw${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('/v1/completions and /v1/embeddings', () => {
  it('answers a text completion with the client model', async () => {
    mockOrigin('cmpl-origin.test', () =>
      Response.json({
        id: 'cmpl-1',
        object: 'text_completion',
        created: 1,
        model: 'cmpl-model-engine',
        choices: [{ index: 0, text: 'hello', logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 },
      }),
    );
    const res = await post('/v1/completions', { model: 'cmpl-model', prompt: 'say hello' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model: string; choices: { text: string }[] };
    expect(body.model).toBe('cmpl-model');
    expect(body.choices[0]?.text).toBe('hello');
  });

  it('streams a text completion ending in [DONE]', async () => {
    mockOrigin('cmpl-origin.test', () =>
      sseResponse([
        JSON.stringify({
          id: 'c',
          object: 'text_completion',
          created: 1,
          model: 'x',
          choices: [{ index: 0, text: 'a', finish_reason: null }],
        }),
        JSON.stringify({
          id: 'c',
          object: 'text_completion',
          created: 1,
          model: 'x',
          choices: [{ index: 0, text: '', finish_reason: 'length' }],
        }),
        '[DONE]',
      ]),
    );
    const res = await post('/v1/completions', { model: 'cmpl-model', prompt: 'x', stream: true });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('"text":"a"');
    expect(text).toContain('"model":"cmpl-model"');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('answers embeddings', async () => {
    mockOrigin('cmpl-origin.test', () =>
      Response.json({
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
        model: 'x',
        usage: { prompt_tokens: 1, total_tokens: 1 },
      }),
    );
    const res = await post('/v1/embeddings', { model: 'cmpl-model', input: 'hi' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model: string; data: { embedding: number[] }[] };
    expect(body.model).toBe('cmpl-model');
    expect(body.data[0]?.embedding).toEqual([0.1, 0.2]);
  });

  it('rejects a prompt of the wrong type with the param named', async () => {
    const res = await post('/v1/completions', { model: 'cmpl-model', prompt: 5 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('prompt');
  });
});
