import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

const HOST = 'default-max-origin.test';
let limited: string;
let unlimited: string;

beforeAll(async () => {
  limited = await seedKey({ limits: { tokensPerMinute: 3000, tokensPerDay: 4000 } });
  unlimited = await seedKey({ limits: { requestsPerMinute: 1000 } });
  await seedPool(
    {
      name: 'default-max-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${HOST}`, capacity: 8, weight: 1 }],
    },
    'default-max-model',
  );
});

/** The bodies the engine received; it answers with as many tokens as it was allowed, or 5000. */
function engine(): Record<string, unknown>[] {
  const seen: Record<string, unknown>[] = [];
  mockOrigin(HOST, async (req) => {
    const body = (await req.json()) as Record<string, unknown>;
    seen.push(body);
    const produced = typeof body.max_tokens === 'number' ? body.max_tokens : 5000;
    const usage = { prompt_tokens: 5, completion_tokens: produced, total_tokens: 5 + produced };
    if (body.prompt !== undefined)
      return Response.json({
        id: 'c',
        object: 'text_completion',
        created: 1,
        model: 'e',
        choices: [{ index: 0, text: 'x', finish_reason: 'length' }],
        usage,
      });
    return Response.json({
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'e',
      choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'length' }],
      usage,
    });
  });
  return seen;
}

function post(key: string, path: string, body: Record<string, unknown>) {
  return exports.default.fetch(`http://gw${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'default-max-model', ...body }),
  });
}

const chat = { messages: [{ role: 'user', content: 'hi' }] };

describe('a request without max_tokens on a key with token limits', () => {
  it('is sent with the reserved budget as max_tokens, so concurrent requests cannot overshoot the limits', async () => {
    const seen = engine();
    const answers = await Promise.all([
      post(limited, '/v1/chat/completions', chat),
      post(limited, '/v1/chat/completions', chat),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(seen.map((b) => b.max_tokens)).toEqual([1024, 1024]);
    // Charged 2 × 1029 of 3000: a third reservation of 1029 does not fit the minute.
    expect((await post(limited, '/v1/chat/completions', chat)).status).toBe(429);
    expect(seen).toHaveLength(2);
  });

  it('is the same for /v1/completions', async () => {
    const seen = engine();
    expect(
      (await post(await seedKey({ limits: { tokensPerDay: 100_000 } }), '/v1/completions', { prompt: 'hi' }))
        .status,
    ).toBe(200);
    expect(seen[0]?.max_tokens).toBe(1024);
  });

  it("keeps the client's own max_tokens or max_completion_tokens", async () => {
    const seen = engine();
    expect((await post(limited, '/v1/chat/completions', { ...chat, max_tokens: 50 })).status).toBe(200);
    expect((await post(limited, '/v1/chat/completions', { ...chat, max_completion_tokens: 60 })).status).toBe(
      200,
    );
    expect(seen[0]?.max_tokens).toBe(50);
    expect(seen[1]?.max_tokens ?? seen[1]?.max_completion_tokens).toBe(60);
  });

  it('leaves a key without token limits to the engine', async () => {
    const seen = engine();
    expect((await post(unlimited, '/v1/chat/completions', chat)).status).toBe(200);
    expect(seen[0]).not.toHaveProperty('max_tokens');
  });
});
