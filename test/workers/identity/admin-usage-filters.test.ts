import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { call, chatAnswer, chatAs, expectError, seedVllmPool, waitFor } from './helpers.ts';

// GET /admin/usage filters: an empty one is refused (never read as "no filter", every tenant's usage), a
// model's alias filters as the model, and `group_by` takes `key_id` as the groups spell it.

const HOST = 'usage-filters-origin.test';
let admin: string;

interface Report {
  totals: { requests: number };
  data: Record<string, unknown>[];
}

beforeAll(async () => {
  await seedVllmPool('usage-filters-pool', 'uf1', HOST, 'usage-filters-model');
  await env.DB.prepare(
    "UPDATE models SET aliases = '[\"usage-filters-alias\"]' WHERE id = 'usage-filters-model'",
  ).run();
  admin = await seedKey({ scopes: ['admin'] });
  mockOrigin(HOST, () => chatAnswer('hi', { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }));
  const key = await seedKey({ id: 'key_usage_filters', tenant: 'usage-filters-t' });
  for (let i = 0; i < 2; i++) expect((await chatAs(key, 'usage-filters-model')).status).toBe(200);
  await waitFor(async () => {
    const own = (await (await call('/v1/usage', key)).json()) as Report;
    return own.totals.requests === 2;
  }, 5000);
});

describe('admin usage filters', () => {
  it('refuses an empty filter, naming it', async () => {
    for (const name of ['tenant', 'key_id', 'model']) {
      const res = await call(`/admin/usage?${name}=`, admin);
      await expectError(res.clone(), 400, 'invalid_request');
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe(name);
    }
  });

  it("filters by a model's alias as by the model", async () => {
    const byAlias = (await (
      await call('/admin/usage?tenant=usage-filters-t&model=usage-filters-alias', admin)
    ).json()) as Report;
    expect(byAlias.totals.requests).toBe(2);
  });

  it('groups by key_id as by key', async () => {
    const grouped = (await (
      await call('/admin/usage?tenant=usage-filters-t&group_by=key_id', admin)
    ).json()) as Report;
    expect(grouped.data).toEqual([expect.objectContaining({ key_id: 'key_usage_filters', requests: 2 })]);
  });
});
