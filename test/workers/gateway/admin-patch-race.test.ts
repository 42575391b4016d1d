import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { callAs } from './admin-call.ts';

let admin: string;

const call = (method: string, path: string, body?: unknown) => callAs(admin, method, path, body);

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
});

describe('two PATCHes of one config at the same time', () => {
  it('keeps both changes to a pool (neither write drops the other)', async () => {
    const created = await call('POST', '/admin/pools', {
      name: 'race-pool',
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://race-pool-a.test', capacity: 4 }],
      health: { enabled: false },
    });
    expect(created.status).toBe(201);
    for (let round = 1; round <= 5; round++) {
      const [one, two] = await Promise.all([
        call('PATCH', '/admin/pools/race-pool', { queue: { maxDepth: round } }),
        call('PATCH', '/admin/pools/race-pool', { retry: { attempts: round } }),
      ]);
      expect([one.status, two.status]).toEqual([200, 200]);
      const got = (await (await call('GET', '/admin/pools/race-pool')).json()) as {
        config: { queue: { maxDepth: number }; retry: { attempts: number } };
      };
      expect({ depth: got.config.queue.maxDepth, attempts: got.config.retry.attempts }).toEqual({
        depth: round,
        attempts: round,
      });
    }
    // One audit row per change that was written: a write that lost the race and was re-applied left none.
    const audits = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_log WHERE target = 'race-pool' AND action = 'pool.update'",
    ).first<{ n: number }>();
    expect(audits?.n).toBe(10);
  });

  it('keeps both changes to a model', async () => {
    const route = [{ pool: 'race-pool', engineModel: 'e' }];
    expect((await call('POST', '/admin/models', { id: 'race-model', routes: route })).status).toBe(201);
    for (let round = 1; round <= 5; round++) {
      const [one, two] = await Promise.all([
        call('PATCH', '/admin/models/race-model', { contextLength: 1000 + round }),
        call('PATCH', '/admin/models/race-model', { ownedBy: `owner-${round}` }),
      ]);
      expect([one.status, two.status]).toEqual([200, 200]);
      const got = (await (await call('GET', '/admin/models/race-model')).json()) as {
        contextLength: number;
        ownedBy: string;
      };
      expect({ ctx: got.contextLength, owner: got.ownedBy }).toEqual({
        ctx: 1000 + round,
        owner: `owner-${round}`,
      });
    }
  });
});
