import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// OpenAI reads an explicit `null` as "not set"; many clients send one for every field they leave out,
// and an assistant message echoed back from a response carries `tool_calls: null`, `refusal: null`.

let key: string;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'nulls-pool',
      protocol: 'vllm',
      origins: [{ id: 'n1', url: 'http://nulls-origin.test', capacity: 8, weight: 1 }],
    },
    'nulls-model',
  );
});

function post(path: string, body: unknown) {
  return exports.default.fetch(`http://gw${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The origin answers `answer`; the body the gateway sent it is captured. */
function captureOrigin(answer: () => Response): { sent?: Record<string, unknown> } {
  const seen: { sent?: Record<string, unknown> } = {};
  mockOrigin('nulls-origin.test', async (req) => {
    seen.sent = (await req.json()) as Record<string, unknown>;
    return answer();
  });
  return seen;
}

describe('explicit null for an optional field', () => {
  it('is accepted on chat fields and message fields, and never forwarded', async () => {
    const seen = captureOrigin(() => chatAnswer());
    const res = await post('/v1/chat/completions', {
      model: 'nulls-model',
      messages: [
        { role: 'system', content: 'be brief', name: null },
        { role: 'user', content: 'weather?', name: null },
        {
          role: 'assistant',
          content: null,
          name: null,
          refusal: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
        { role: 'assistant', content: 'It is sunny.', tool_calls: null, refusal: null },
        { role: 'user', content: 'thanks' },
      ],
      tools: null,
      tool_choice: null,
      parallel_tool_calls: null,
      response_format: null,
      user: null,
      metadata: null,
      reasoning_effort: null,
    });
    expect(res.status).toBe(200);
    const sent = seen.sent!;
    for (const field of [
      'tools',
      'tool_choice',
      'parallel_tool_calls',
      'response_format',
      'user',
      'reasoning_effort',
    ]) {
      expect(sent).not.toHaveProperty(field);
    }
    const messages = sent.messages as Record<string, unknown>[];
    expect(messages[0]).not.toHaveProperty('name');
    expect(messages[4]).toEqual({ role: 'assistant', content: 'It is sunny.' });
  });

  it('is accepted on tool and response_format members', async () => {
    const seen = captureOrigin(() => chatAnswer());
    const res = await post('/v1/chat/completions', {
      model: 'nulls-model',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'https://images.example.com/y.png', detail: null } },
          ],
        },
      ],
      tools: [
        { type: 'function', function: { name: 'w', description: null, parameters: null, strict: null } },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 's', description: null, schema: null, strict: true },
      },
      stream_options: null,
    });
    expect(res.status).toBe(200);
    const tool = (seen.sent!.tools as { function: Record<string, unknown> }[])[0]!;
    expect(tool.function).toEqual({ name: 'w' });
  });

  it('is accepted on text completion fields', async () => {
    const seen = captureOrigin(() =>
      Response.json({
        id: 'cmpl-n',
        object: 'text_completion',
        created: 1,
        model: 'x',
        choices: [{ index: 0, text: 'ok', logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }),
    );
    const res = await post('/v1/completions', {
      model: 'nulls-model',
      prompt: 'x',
      user: null,
      best_of: null,
    });
    expect(res.status).toBe(200);
    expect(seen.sent).not.toHaveProperty('user');
  });

  it('is accepted on embedding fields', async () => {
    const seen = captureOrigin(() =>
      Response.json({
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.1] }],
        model: 'x',
        usage: { prompt_tokens: 1, total_tokens: 1 },
      }),
    );
    const res = await post('/v1/embeddings', {
      model: 'nulls-model',
      input: 'x',
      encoding_format: null,
      dimensions: null,
      user: null,
    });
    expect(res.status).toBe(200);
    expect(Object.keys(seen.sent!).sort()).toEqual(['input', 'model']);
  });
});
