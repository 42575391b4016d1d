import { beforeAll, describe, expect, it } from 'vitest';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { call, chatAnswer, chatAs, expectError, seedVllmPool } from './helpers.ts';

let admin: string;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: 'ops' });
  await seedVllmPool('alias-pool', 'a1', 'alias-origin.test', 'alias-model');
  await seedVllmPool('alias-pool-2', 'a2', 'alias-origin-2.test', 'other-alias-model');
  const res = await call('/admin/models/alias-model', admin, {
    method: 'PATCH',
    body: { aliases: ['house-default'] },
  });
  expect(res.status).toBe(200);
});

describe('a key restricted to models by alias', () => {
  it('may use the model the alias names, under its id or the alias, and sees it listed', async () => {
    mockOrigin('alias-origin.test', () =>
      chatAnswer('hi', { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }, 'alias-model-engine'),
    );
    const key = await seedKey({ scopes: ['inference'], allowedModels: ['house-default'] });
    expect((await chatAs(key, 'house-default')).status).toBe(200);
    expect((await chatAs(key, 'alias-model')).status).toBe(200);
    const listed = (await (await call('/v1/models', key)).json()) as { data: { id: string }[] };
    expect(listed.data.map((m) => m.id)).toEqual(['alias-model']);
    expect((await call('/v1/models/house-default', key)).status).toBe(200);
  });

  it('still may not use a model it does not list by id or alias', async () => {
    const key = await seedKey({ scopes: ['inference'], allowedModels: ['house-default'] });
    await expectError(await chatAs(key, 'other-alias-model'), 404, 'model_not_found');
    await expectError(await call('/v1/models/other-alias-model', key), 404, 'model_not_found');
  });

  it('learns nothing of a model outside its allowance: the answer is the one for a model that does not exist', async () => {
    const key = await seedKey({ scopes: ['inference'], allowedModels: ['house-default'] });
    const error = async (res: Response) => {
      const body = (await res.json()) as { error: { message: string } };
      return { status: res.status, ...body.error, message: body.error.message.replace(/'[^']*'/, "'…'") };
    };
    const exists = await error(await chatAs(key, 'other-alias-model'));
    const absent = await error(await chatAs(key, 'no-such-model-anywhere'));
    expect(exists).toEqual(absent);
    expect(await error(await call('/v1/models/other-alias-model', key))).toEqual(
      await error(await call('/v1/models/no-such-model-anywhere', key)),
    );
  });
});
