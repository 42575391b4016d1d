import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { invalidateRegistry } from '../../../workers/data/registry.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
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
function engine(): Record<string, unknown>[] {
  const seen: Record<string, unknown>[] = [];
  mockOrigin(HOST, async (req) => {
    const body = (await req.json()) as Record<string, unknown>;
    seen.push(body);
    const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : 0;
    // The chat template makes a short prompt about 10 tokens.
    if (body.model === 'small-context-model-engine' && maxTokens + 10 > CONTEXT)
      return Response.json({ object: 'error', message: 'maximum context length exceeded' }, { status: 400 });
    const prompts = Array.isArray(body.prompt) ? body.prompt.length : 1;
    // Each answer as long as it was allowed to be.
    const produced = prompts * maxTokens;
    const usage = { prompt_tokens: 5, completion_tokens: produced, total_tokens: 5 + produced };
    if (body.prompt !== undefined)
      return Response.json({
        id: 'c',
        object: 'text_completion',
        created: 1,
        model: 'e',
        choices: Array.from({ length: prompts }, (_, index) => ({ index, text: 'x', finish_reason: 'stop' })),
        usage,
      });
    return Response.json({
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'e',
      choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'stop' }],
      usage,
    });
  });
  return seen;
}

function post(key: string, path: string, body: Record<string, unknown>) {
  return exports.default.fetch(`http://gw${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

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
});
