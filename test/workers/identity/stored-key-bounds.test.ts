import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { invalidateKeyCache } from '../../../workers/data/api-keys.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { call, chatAnswer, chatAs, expectError, seedVllmPool } from './helpers.ts';

// A key row holds only what the admin API would accept: one definition of each limit (and of the
// model list) serves both, so a value edited in by hand past the API's bounds is a broken row, refused
// and listed with its problems, not a key that runs under it.

let admin: string;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: 'ops' });
  await seedVllmPool('key-bounds-pool', 'kb1', 'key-bounds-origin.test', 'key-bounds-model');
});

function chat(key: string): Promise<Response> {
  mockOrigin('key-bounds-origin.test', () =>
    chatAnswer('hi', { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }, 'key-bounds-model-engine'),
  );
  return chatAs(key, 'key-bounds-model');
}

async function handEditedKey(id: string, column: string, text: string): Promise<string> {
  const secret = await seedKey({ id, tenant: 'out-of-bounds', scopes: ['inference'] });
  await env.DB.prepare(`UPDATE api_keys SET ${column} = ? WHERE id = ?`).bind(text, id).run();
  invalidateKeyCache();
  return secret;
}

describe('a key row holding a value the admin API would refuse', () => {
  it('refuses the create the row imitates', async () => {
    const res = await call('/admin/keys', admin, {
      method: 'POST',
      body: { name: 'x', tenant: 'out-of-bounds', limits: { tokens_per_day: 1e13 } },
    });
    await expectError(res, 400, 'invalid_request');
  });

  it('is refused when a limit is over the largest the API accepts', async () => {
    const key = await handEditedKey('key_over_limit', 'limits', '{"tokensPerDay": 10000000000000}');
    await expectError(await chat(key), 500, 'api_key_record_invalid');
  });

  it('is refused when a model name is longer than the API accepts', async () => {
    const key = await handEditedKey('key_long_model', 'allowed_models', JSON.stringify(['m'.repeat(201)]));
    await expectError(await chat(key), 500, 'api_key_record_invalid');
  });

  it('is refused when its default priority is above its maximum, not run at the default', async () => {
    const key = await handEditedKey('key_priority_above', 'default_priority', 'critical');
    await env.DB.prepare("UPDATE api_keys SET max_priority = 'low' WHERE id = ?")
      .bind('key_priority_above')
      .run();
    invalidateKeyCache();
    await expectError(await chat(key), 500, 'api_key_record_invalid');
    const listed = (await (await call('/admin/keys/key_priority_above', admin)).json()) as {
      problems?: string[];
    };
    expect(listed.problems).toEqual([expect.stringContaining('defaultPriority: above maxPriority')]);
  });

  it('is listed with its problem beside the rows that are fine', async () => {
    await handEditedKey('key_over_listed', 'limits', '{"maxConcurrent": 10000000000000}');
    const fine = await seedKey({ id: 'key_bounds_fine', tenant: 'out-of-bounds' });
    const res = await call('/admin/keys?tenant=out-of-bounds', admin);
    expect(res.status).toBe(200);
    const listed = (await res.json()) as { data: { id: string; problems?: string[] }[] };
    expect(listed.data.find((k) => k.id === 'key_over_listed')?.problems).toEqual([
      expect.stringContaining('limits.maxConcurrent'),
    ]);
    expect(listed.data.find((k) => k.id === 'key_bounds_fine')?.problems).toBeUndefined();
    expect((await chat(fine)).status).toBe(200);
  });
});
