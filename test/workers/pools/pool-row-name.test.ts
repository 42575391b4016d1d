import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { invalidateRegistry } from '../../../workers/data/registry.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedModel } from '../helpers/seed.ts';
import { callAs } from './gateway-call.ts';

// A pools row edited by hand so that its config names another pool is one invalid row, the same to
// every reader: the admin view lists it with its problem, and neither the model checks nor the
// request path take it for a pool of the name inside it.

let admin: string;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin', 'inference'] });
  const config = {
    name: 'rn-beta',
    protocol: 'vllm',
    origins: [{ id: 'a', url: 'http://rn-alpha.test', capacity: 4 }],
    health: { enabled: false },
  };
  await env.DB.prepare('INSERT INTO pools (name, protocol, config, updated_at) VALUES (?, ?, ?, ?)')
    .bind('rn-alpha', 'vllm', JSON.stringify(config), Date.now())
    .run();
  invalidateRegistry();
});

const call = (method: string, path: string, body?: unknown) => callAs(admin, method, path, body);

describe('a pools row whose config names another pool', () => {
  it('is listed under its row name with the problem, and no pool of the other name exists', async () => {
    const row = (await (await call('GET', '/admin/pools/rn-alpha')).json()) as { problems?: string[] };
    expect(row.problems?.[0]).toMatch(/differs from the row's name/);
    expect((await call('GET', '/admin/pools/rn-beta')).status).toBe(404);
  });

  it('is not a pool a model may route to', async () => {
    const res = await call('POST', '/admin/models', {
      id: 'rn-model',
      routes: [{ pool: 'rn-beta', engineModel: 'e' }],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('pool_not_found');
  });

  it('serves no request under the name inside it', async () => {
    let hits = 0;
    mockOrigin('rn-alpha.test', () => {
      hits++;
      return Response.json({ choices: [] });
    });
    await seedModel('rn-served', [{ pool: 'rn-beta', engineModel: 'e' }]);
    invalidateRegistry();
    const res = await call('POST', '/v1/chat/completions', {
      model: 'rn-served',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('origin_unavailable');
    expect(hits).toBe(0);
  });
});
