import { exports } from 'cloudflare:workers';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// A body nested far deeper than any real request is valid JSON, but recursive walks of it (hashing,
// structured clone, an engine's own parser) may fail on it: it gets a clear 400 at the edge instead.

let key: string;
let originCalls = 0;

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'deep-pool',
      protocol: 'vllm',
      origins: [{ id: 'd1', url: 'http://deep-origin.test', capacity: 8, weight: 1 }],
    },
    'deep-model',
  );
});

beforeEach(() => {
  mockOrigin('deep-origin.test', () => {
    originCalls++;
    return chatAnswer('ok');
  });
});

/** `{"a":{"a":…}}` nested `depth` levels, as text (JSON.stringify itself would recurse). */
function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

function chatWithParameters(parameters: string) {
  const body = `{"model":"deep-model","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":${parameters}}}]}`;
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body,
  });
}

describe('deeply nested request bodies', () => {
  it.each([129, 1_000, 20_000, 150_000])(
    'a tool schema %i levels deep is refused with a 400 before it reaches the engine',
    async (depth) => {
      const before = originCalls;
      const res = await chatWithParameters(nested(depth));
      const text = await res.text();
      expect(res.status, text.slice(0, 200)).toBe(400);
      const body = JSON.parse(text) as { error: { code: string; type: string } };
      expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request' });
      expect(originCalls).toBe(before);
    },
  );

  it('an ordinary nested schema still passes, and so does the deepest one allowed', async () => {
    // 128 levels in all: the body, tools, the tool, function, then its parameters.
    for (const depth of [40, 123]) {
      const res = await chatWithParameters(nested(depth));
      expect(res.status, `${depth}: ${await res.text()}`).toBe(200);
    }
  });
});
