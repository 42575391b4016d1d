import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey, seedPool } from '../helpers/seed.ts';

// A job's request is checked as the chat route would check it: fields the route refuses when the job
// runs (another kind of answer, request-level functions) are refused at submit, so the job is not queued
// only to fail.

let key = '';

beforeAll(async () => {
  await seedPool(
    {
      name: 'submit-unserved-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: 'http://127.0.0.1:9', capacity: 8, weight: 1 }],
    },
    'submit-unserved-model',
  );
  key = await seedKey({
    scopes: ['inference', 'jobs'],
    tenant: `submit-unserved-${crypto.randomUUID().slice(0, 8)}`,
  });
});

async function submit(extra: Record<string, unknown>, type: 'chat' | 'completion' = 'chat') {
  const res = await exports.default.fetch('http://gw/v1/jobs', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      type,
      request:
        type === 'chat'
          ? { model: 'submit-unserved-model', messages: [{ role: 'user', content: 'x' }], ...extra }
          : { model: 'submit-unserved-model', prompt: 'x', ...extra },
    }),
  });
  return { status: res.status, error: ((await res.json()) as { error?: Record<string, unknown> }).error };
}

describe('a job whose request asks for what no engine serves', () => {
  it.each([
    [{ audio: { voice: 'alloy', format: 'wav' } }, 'request.audio'],
    [{ modalities: ['text', 'audio'] }, 'request.modalities.1'],
    [{ functions: [{ name: 'f' }] }, 'request.functions'],
    [{ n: 2 }, 'request.n'],
  ])('%j is refused at submit with 400 unsupported_parameter', async (extra, param) => {
    expect(await submit(extra)).toMatchObject({
      status: 400,
      error: { code: 'unsupported_parameter', param },
    });
  });

  it.each([
    [{ n: 3 }, 'request.n'],
    [{ best_of: 2 }, 'request.best_of'],
  ])('a completion job with %j is refused at submit with 400 unsupported_parameter', async (extra, param) => {
    expect(await submit(extra, 'completion')).toMatchObject({
      status: 400,
      error: { code: 'unsupported_parameter', param },
    });
  });
});
