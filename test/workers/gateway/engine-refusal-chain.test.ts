import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedModel, seedPool } from '../helpers/seed.ts';

/**
 * A model whose pools run different engines: one engine refusing a parameter (TGI and `logprobs`) is
 * that pool's limit, not the request's fault. Another pool of the chain serves it; an outage elsewhere
 * in the chain is what the client hears about (temporary, retryable), not the refusal.
 */
let key: string;
const calls = { tgi: 0, vllm: 0, messages: 0 };

beforeAll(async () => {
  key = await seedKey();
  const common = { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 2 } };
  await seedPool({
    name: 'refusal-tgi',
    protocol: 'tgi',
    origins: [{ id: 't', url: 'http://refusal-tgi.test', capacity: 8, weight: 1 }],
    ...common,
  });
  await seedPool({
    name: 'refusal-vllm',
    protocol: 'vllm',
    origins: [{ id: 'v', url: 'http://refusal-vllm.test', capacity: 8, weight: 1 }],
    ...common,
  });
  await seedPool(
    {
      name: 'refusal-messages',
      protocol: 'tgi-messages',
      origins: [{ id: 'm', url: 'http://refusal-messages.test', capacity: 8, weight: 1 }],
      ...common,
    },
    'refusal-messages-model',
  );
  await seedModel('refusal-tgi-first', [
    { pool: 'refusal-tgi', engineModel: 'e' },
    { pool: 'refusal-vllm', engineModel: 'e' },
  ]);
  await seedModel('refusal-vllm-first', [
    { pool: 'refusal-vllm', engineModel: 'e' },
    { pool: 'refusal-tgi', engineModel: 'e' },
  ]);
  await seedModel('refusal-tgi-only', [{ pool: 'refusal-tgi', engineModel: 'e' }]);
});

function post(path: string, body: Record<string, unknown>) {
  return exports.default.fetch(`http://gw${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const chat = (model: string) =>
  post('/v1/chat/completions', { model, logprobs: true, messages: [{ role: 'user', content: 'x' }] });

describe('a parameter one engine of the chain refuses', () => {
  it('is served by the next pool whose engine takes it', async () => {
    mockOrigin('refusal-tgi.test', () => {
      calls.tgi++;
      return Response.json({ generated_text: 'tgi' });
    });
    mockOrigin('refusal-vllm.test', () => {
      calls.vllm++;
      return chatAnswer('from vllm');
    });
    const res = await chat('refusal-tgi-first');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('from vllm');
    expect(calls.tgi).toBe(0);
    // Passed over before admission: it never waited in that pool's queue or held one of its slots.
    const tgiPool = await env.ENGINE_POOL.getByName('refusal-tgi').state();
    expect(tgiPool.admissions.granted ?? 0).toBe(0);
  });

  it('leaves an outage of the other pool as the answer: a 503 the client may retry, not a 400', async () => {
    mockOrigin('refusal-vllm.test', () => {
      calls.vllm++;
      return new Response('{"object":"error","message":"overloaded","code":503}', { status: 503 });
    });
    const res = await chat('refusal-vllm-first');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).not.toBeNull();
  });

  it('is still a 400 naming the parameter when no pool of the chain takes it', async () => {
    const before = calls.tgi;
    const res = await chat('refusal-tgi-only');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unsupported_parameter');
    expect(calls.tgi).toBe(before);
  });
});

describe('a streamed completion on an engine without completion streams', () => {
  it('is refused before the origin is asked', async () => {
    mockOrigin('refusal-messages.test', () => {
      calls.messages++;
      return Response.json({});
    });
    const res = await post('/v1/completions', { model: 'refusal-messages-model', prompt: 'x', stream: true });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unsupported_by_engine');
    expect(calls.messages).toBe(0);
  });
});
