import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey, seedPool } from '../helpers/seed.ts';

let key = '';
let narrow = '';

beforeAll(async () => {
  await seedPool(
    {
      name: 'submit-params-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: 'http://127.0.0.1:9', capacity: 8, weight: 1 }],
    },
    'submit-params-model',
  );
  const tenant = `submit-params-${crypto.randomUUID().slice(0, 8)}`;
  key = await seedKey({ scopes: ['inference', 'jobs'], tenant });
  narrow = await seedKey({ scopes: ['inference', 'jobs'], tenant, allowedModels: ['other-model'] });
});

async function submit(as: string, model: string) {
  const res = await exports.default.fetch('http://gw/v1/jobs', {
    method: 'POST',
    headers: { authorization: `Bearer ${as}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'chat', request: { model, messages: [{ role: 'user', content: 'x' }] } }),
  });
  return {
    status: res.status,
    error: ((await res.json()) as { error: { code: string; param: string } }).error,
  };
}

describe('a job whose model is refused at submit', () => {
  it('names the field of the job body at fault: request.model', async () => {
    expect(await submit(key, 'no-such-model')).toMatchObject({
      status: 404,
      error: { code: 'model_not_found', param: 'request.model' },
    });
    expect(await submit(narrow, 'submit-params-model')).toMatchObject({
      status: 404,
      error: { code: 'model_not_found', param: 'request.model' },
    });
  });
});
