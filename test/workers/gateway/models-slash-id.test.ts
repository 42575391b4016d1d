import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey, seedModel, seedPool } from '../helpers/seed.ts';

let user: string;
let narrow: string;

const get = (path: string, key = user, method = 'GET') =>
  exports.default.fetch(`http://gw${path}`, { method, headers: { authorization: `Bearer ${key}` } });

beforeAll(async () => {
  await seedPool({
    name: 'slash-pool',
    protocol: 'vllm',
    origins: [{ id: 'a', url: 'http://slash-pool.test', capacity: 4, weight: 1 }],
  });
  await seedModel('slash-org/slash-model', [{ pool: 'slash-pool', engineModel: 'e' }]);
  user = await seedKey({ scopes: ['inference'] });
  narrow = await seedKey({ scopes: ['inference'], allowedModels: ['someone-else'] });
});

describe('GET /v1/models/{model} with an id that contains a slash', () => {
  it('answers the model, as the listing names it (org/model ids are the norm for open models)', async () => {
    const res = await get('/v1/models/slash-org/slash-model');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe('slash-org/slash-model');
  });

  it('keeps the 404 model_not_found for unknown and hidden ids, and the 405 for other methods', async () => {
    const unknown = await get('/v1/models/slash-org/nothing');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
    const hidden = await get('/v1/models/slash-org/slash-model', narrow);
    expect(hidden.status).toBe(404);
    const deleted = await get('/v1/models/slash-org/slash-model', user, 'DELETE');
    expect(deleted.status).toBe(405);
  });
});
