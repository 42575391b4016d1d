import { exports } from 'cloudflare:workers';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';

// A caller's own `x-request-id` is echoed back, but it is not unique: clients send a constant, or the
// same id on every retry. What the gateway names after the request (the completion id an engine leaves
// out, the id the origin is sent) must still differ per request, and still carry the caller's id.

let key: string;
const seenIds: string[] = [];

beforeAll(async () => {
  key = await seedKey();
  await seedPool(
    {
      name: 'caller-id-pool',
      protocol: 'vllm',
      origins: [{ id: 'c1', url: 'http://caller-id.test', capacity: 8, weight: 1 }],
    },
    'caller-id-model',
  );
});

beforeEach(() => {
  seenIds.length = 0;
  mockOrigin('caller-id.test', (req) => {
    seenIds.push(req.headers.get('x-request-id') ?? '');
    // No `id`: the gateway names the completion.
    return Response.json({
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  });
});

function chat(requestId?: string) {
  return exports.default.fetch('http://gw/v1/chat/completions', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
    },
    body: JSON.stringify({ model: 'caller-id-model', messages: [{ role: 'user', content: 'hi' }] }),
  });
}

describe("a caller's x-request-id", () => {
  it('is echoed, while completion ids and origin ids differ per request and start with it', async () => {
    const answers = [await chat('dup-id'), await chat('dup-id')];
    const ids: string[] = [];
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('dup-id');
      ids.push(((await res.json()) as { id: string }).id);
    }
    expect(ids[0]).not.toBe(ids[1]);
    for (const id of ids) expect(id.startsWith('chatcmpl-dup-id')).toBe(true);
    expect(seenIds[0]).not.toBe(seenIds[1]);
    for (const id of seenIds) expect(id.startsWith('dup-id')).toBe(true);
  });

  it('leaves a generated request id as the completion id, unchanged', async () => {
    const res = await chat();
    const requestId = res.headers.get('x-request-id')!;
    expect(((await res.json()) as { id: string }).id).toBe(`chatcmpl-${requestId}`);
    expect(seenIds).toEqual([requestId]);
  });
});
