import { beforeAll, describe, expect, it } from 'vitest';
import { meteredEngine, postAs } from '../helpers/metered-engine.ts';
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

const engine = () => meteredEngine(HOST, { unbounded: 5000 });
const post = (key: string, path: string, body: Record<string, unknown>) =>
  postAs(key, path, { model: 'default-max-model', ...body });

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
