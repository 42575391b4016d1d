import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { invalidateRegistry } from '../../../workers/data/registry.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { call, chatAnswer, chatAs, seedVllmPool, waitFor } from './helpers.ts';

// One usage row per inference request, also for one refused before any pool or origin saw it: a
// client's errors show in its usage, not only the requests that reached an engine.

const HOST = 'usage-refusals.test';
let key: string;

beforeAll(async () => {
  await seedVllmPool('usage-refusals-pool', 'u1', HOST, 'usage-refusals-model');
  await env.DB.prepare(
    `UPDATE models SET aliases = '["usage-refusals-alias"]' WHERE id = 'usage-refusals-model'`,
  ).run();
  invalidateRegistry();
  key = await seedKey({ id: 'key_usage_refusals' });
});

const rowsOf = (requestId: string) =>
  env.DB.prepare(
    'SELECT model, status, prompt_tokens, completion_tokens, pool FROM usage_events WHERE request_id = ?',
  )
    .bind(requestId)
    .all<{
      model: string;
      status: number;
      prompt_tokens: number;
      completion_tokens: number;
      pool: string | null;
    }>();

async function rowFor(res: Response) {
  const requestId = res.headers.get('x-request-id')!;
  await waitFor(async () => (await rowsOf(requestId)).results.length > 0, 3000);
  const { results } = await rowsOf(requestId);
  expect(results).toHaveLength(1);
  return results[0]!;
}

describe('a request refused before dispatch', () => {
  it('records one row with the model it named and its status: an unknown model', async () => {
    const res = await chatAs(key, 'no-such-model');
    expect(res.status).toBe(404);
    expect(await rowFor(res)).toEqual({
      model: 'no-such-model',
      status: 404,
      prompt_tokens: 0,
      completion_tokens: 0,
      pool: null,
    });
  });

  it('records one row under the model’s id, asked for by an alias: a priority the header cannot name', async () => {
    const res = await call('/v1/chat/completions', key, {
      method: 'POST',
      headers: { 'x-eco-priority': 'urgent' },
      body: { model: 'usage-refusals-alias', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(res.status).toBe(400);
    expect(await rowFor(res)).toMatchObject({ model: 'usage-refusals-model', status: 400 });
  });

  it('records one row: a body that is not JSON, with no model to name', async () => {
    const res = await exports.default.fetch('http://gw/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(await rowFor(res)).toMatchObject({ model: '', status: 400 });
  });

  it('records exactly one row for a request that reached the origin', async () => {
    mockOrigin(HOST, () => chatAnswer());
    const res = await chatAs(key, 'usage-refusals-model');
    expect(res.status).toBe(200);
    expect(await rowFor(res)).toMatchObject({
      model: 'usage-refusals-model',
      status: 200,
      pool: 'usage-refusals-pool',
    });
  });
});
