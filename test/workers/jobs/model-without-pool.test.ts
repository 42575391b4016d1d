import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey, seedModel } from '../helpers/seed.ts';

const tag = crypto.randomUUID().slice(0, 8);
const model = `nopool-model-${tag}`;
let key: string;

beforeAll(async () => {
  key = await seedKey({ scopes: ['inference', 'jobs'], tenant: `nopool-${tag}` });
  // Known to the registry, routed only to a pool this environment does not configure.
  await seedModel(model, [{ pool: `nopool-pool-${tag}`, engineModel: 'x' }]);
});

describe('POST /v1/jobs for a model with no engine pool configured', () => {
  it('answers 503 origin_unavailable with Retry-After at submit, as the sync API would', async () => {
    const res = await exports.default.fetch('http://gw/v1/jobs', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'chat',
        request: { model, messages: [{ role: 'user', content: 'nopool' }] },
      }),
    });
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect({ status: res.status, code: body.error.code }).toEqual({
      status: 503,
      code: 'origin_unavailable',
    });
    expect(body.error.message).toContain(model);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    const list = await exports.default.fetch('http://gw/v1/jobs', {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(((await list.json()) as { data: unknown[] }).data).toEqual([]);
  });
});
