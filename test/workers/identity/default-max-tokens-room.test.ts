import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { invalidateRegistry } from '../../../workers/data/registry.ts';
import { meteredEngine, postAs } from '../helpers/metered-engine.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// The default max_tokens of a limited key must fit the model's context, and a completions request
// with several prompts generates (and is charged) one answer per prompt.

const HOST = 'default-max-room.test';
const CONTEXT = 512;

beforeAll(async () => {
  await seedPool(
    {
      name: 'default-max-room-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${HOST}`, capacity: 8, weight: 1 }],
    },
    'small-context-model',
  );
  await seedPool(
    {
      name: 'default-max-room-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${HOST}`, capacity: 8, weight: 1 }],
    },
    'multi-prompt-model',
  );
  await env.DB.prepare('UPDATE models SET context_length = ? WHERE id = ?')
    .bind(CONTEXT, 'small-context-model')
    .run();
  invalidateRegistry();
});

/** An engine that refuses, as vLLM does, a max_tokens that leaves the prompt no room in its context. */
const engine = () =>
  meteredEngine(HOST, {
    // The chat template makes a short prompt about 10 tokens.
    refuse: (body) =>
      body.model === 'small-context-model-engine' &&
      typeof body.max_tokens === 'number' &&
      body.max_tokens + 10 > CONTEXT
        ? Response.json({ object: 'error', message: 'maximum context length exceeded' }, { status: 400 })
        : undefined,
  });
const post = postAs;

describe('the default max_tokens of a key with token limits', () => {
  it('leaves the prompt room in a model whose context is smaller than the default', async () => {
    const seen = engine();
    const key = await seedKey({ limits: { tokensPerDay: 100_000 } });
    const res = await post(key, '/v1/chat/completions', {
      model: 'small-context-model',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(seen[0]?.max_tokens).toBeLessThan(CONTEXT);
    expect(res.status).toBe(200);
  });

  it('reserves an answer per prompt of a completions request', async () => {
    const seen = engine();
    // 2 prompts × 1024 fit the minute once, not twice, even when both are in flight at once.
    const key = await seedKey({ limits: { tokensPerMinute: 3000 } });
    const twoPrompts = { model: 'multi-prompt-model', prompt: ['a', 'b'] };
    const answers = await Promise.all([
      post(key, '/v1/completions', twoPrompts),
      post(key, '/v1/completions', { ...twoPrompts, prompt: ['c', 'd'] }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 429]);
    expect(seen).toHaveLength(1);
  });

  it('never cuts the answer to one token when the prompt estimate leaves the margin no room', async () => {
    const seen = engine();
    const key = await seedKey({ limits: { tokensPerDay: 100_000 } });
    // About 430 tokens by the estimate: with its margin over the 512-token context, within it without.
    await post(key, '/v1/chat/completions', {
      model: 'small-context-model',
      messages: [{ role: 'user', content: 'x'.repeat(1720) }],
    });
    expect(seen[0]?.max_tokens).toBeGreaterThan(1);
    expect(seen[0]!.max_tokens as number).toBeLessThan(CONTEXT - 400);
    // Over the context by the estimate: the engine is asked for a real budget and judges the prompt.
    const over = engine();
    const refused = await post(key, '/v1/chat/completions', {
      model: 'small-context-model',
      messages: [{ role: 'user', content: 'x'.repeat(4000) }],
    });
    expect(over[0]?.max_tokens).toBe(CONTEXT);
    expect(refused.status).toBe(400);
  });
});
