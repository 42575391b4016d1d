import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// What a text completion request may hold, and what of it reaches the engine.

let key: string;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'prompt-pool',
      protocol: 'vllm',
      origins: [{ id: 'p1', url: 'http://prompt-origin.test', capacity: 8, weight: 1 }],
    },
    'prompt-model',
  );
});

function complete(prompt: unknown, fields: Record<string, unknown> = {}) {
  return exports.default.fetch('http://gw/v1/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'prompt-model', prompt, ...fields }),
  });
}

/** The origin answers one completion; the body the gateway sent it is captured. */
function captureOrigin(): { sent?: Record<string, unknown> } {
  const seen: { sent?: Record<string, unknown> } = {};
  mockOrigin('prompt-origin.test', async (req) => {
    seen.sent = (await req.json()) as Record<string, unknown>;
    return Response.json({
      id: 'cmpl-p',
      object: 'text_completion',
      created: 1,
      model: 'x',
      choices: [{ index: 0, text: 'ok', logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 },
    });
  });
  return seen;
}

describe('/v1/completions requests', () => {
  // OpenAI's `prompt` is a string, a list of strings, a list of token ids or a list of such lists.
  it.each([[[15339, 1917]], [[[15339], [1917, 0]]]])('forwards token ids as given: %j', async (prompt) => {
    const seen = captureOrigin();
    const res = await complete(prompt);
    expect(res.status).toBe(200);
    expect(seen.sent?.prompt).toEqual(prompt);
  });

  // As on chat: stream options mean nothing to an answer that is not streamed, and engines refuse them.
  it.each([[false], [null]])('does not forward stream_options when stream is %s', async (stream) => {
    const seen = captureOrigin();
    const res = await complete('x', { stream, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(seen.sent).not.toHaveProperty('stream_options');
  });

  it.each([
    [[], 'prompt'],
    [[1.5], 'prompt.0'],
    [[-1], 'prompt.0'],
    [[[]], 'prompt.0'],
  ])('refuses %j naming %s', async (prompt, param) => {
    const res = await complete(prompt);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe(param);
  });

  it.each([[1e300], [2 ** 53 + 2]])('names the real bound of max_tokens for %d', async (max_tokens) => {
    const res = await complete('x', { max_tokens });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { param: string; message: string } };
    expect(error.param).toBe('max_tokens');
    expect(error.message).toContain('<=1048576');
    expect(error.message).not.toContain('9007199254740991');
  });
});
