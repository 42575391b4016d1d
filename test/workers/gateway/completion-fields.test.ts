import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { seedVllmPool } from '../identity/helpers.ts';

// `/v1/completions` fields OpenAI's legacy API takes: never accepted and then silently dropped.

let key: string;
const sent: Record<string, unknown>[] = [];
let tgiCalls = 0;

beforeAll(async () => {
  key = await seedKey();
  await seedVllmPool('cmpl-fields-vllm', 'v', 'cmpl-fields-vllm.test', 'cmpl-fields-vllm-model', 8);
  await seedPool(
    {
      name: 'cmpl-fields-tgi',
      protocol: 'tgi',
      origins: [{ id: 't', url: 'http://cmpl-fields-tgi.test', capacity: 8, weight: 1 }],
    },
    'cmpl-fields-tgi-model',
  );
});

function complete(model: string, extra: Record<string, unknown>) {
  return exports.default.fetch('http://gw/v1/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, prompt: 'x', ...extra }),
  });
}

/** The vLLM origin records each body it is sent (origins are cleared after every test). */
function serveVllm() {
  mockOrigin('cmpl-fields-vllm.test', async (request) => {
    sent.push((await request.json()) as Record<string, unknown>);
    return Response.json({
      id: 'c',
      object: 'text_completion',
      created: 1,
      model: 'e',
      choices: [{ index: 0, text: 'ok', logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  });
}

describe('completion fields', () => {
  it('logit_bias reaches an engine that takes it, and is refused by name where it would be dropped', async () => {
    serveVllm();
    mockOrigin('cmpl-fields-tgi.test', () => {
      tgiCalls++;
      return Response.json({ generated_text: 'ok' });
    });
    const bias = { '50256': -100 };
    expect((await complete('cmpl-fields-vllm-model', { logit_bias: bias })).status).toBe(200);
    expect(sent.at(-1)?.logit_bias).toEqual(bias);
    const refused = await complete('cmpl-fields-tgi-model', { logit_bias: bias });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string; param: string } }).error).toMatchObject({
      code: 'unsupported_parameter',
      param: 'logit_bias',
    });
    expect(tgiCalls).toBe(0);
  });

  it('best_of is one completion per prompt: 1 is the default and not sent, more is refused', async () => {
    serveVllm();
    expect((await complete('cmpl-fields-vllm-model', { best_of: 1 })).status).toBe(200);
    expect(sent.at(-1)).not.toHaveProperty('best_of');
    const refused = await complete('cmpl-fields-vllm-model', { best_of: 3 });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string; param: string } }).error).toMatchObject({
      code: 'unsupported_parameter',
      param: 'best_of',
    });
    // Past what OpenAI takes, or not a whole count, it is a malformed request.
    for (const bad of [21, 0, 1.5]) {
      const malformed = await complete('cmpl-fields-vllm-model', { best_of: bad });
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    }
  });
});
