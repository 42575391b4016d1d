import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// An origin's Retry-After is honoured by the pool, which skips that origin until then: the retry that
// goes to another origin has no reason to wait for it.

let key: string;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'retry-after-pool',
      protocol: 'vllm',
      origins: [
        { id: 'busy', url: 'http://retry-after-busy.test', capacity: 8, weight: 1 },
        { id: 'free', url: 'http://retry-after-free.test', capacity: 8, weight: 1 },
      ],
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 120_000 },
    },
    'retry-after-model',
  );
});

describe('a 429 with a long Retry-After from one origin of two', () => {
  // The other origin answers at once; before, the retry slept the 60 s first (this test's limit guards it).
  it('is retried on the other origin without waiting out the Retry-After', { timeout: 15_000 }, async () => {
    const calls: string[] = [];
    mockOrigin('retry-after-busy.test', () => {
      calls.push('busy');
      return new Response('{"object":"error","message":"busy","code":429}', {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '60' },
      });
    });
    mockOrigin('retry-after-free.test', () => {
      calls.push('free');
      return chatAnswer(
        'hi',
        { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
        'retry-after-model-engine',
      );
    });
    // Whichever origin is picked first, the request must succeed promptly.
    for (let i = 0; i < 3; i++) {
      const res = await exports.default.fetch('http://gw/v1/chat/completions', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'retry-after-model', messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(res.status).toBe(200);
    }
    expect(calls).toContain('busy');
  });
});
