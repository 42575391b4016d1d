import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { callAs, errorOf } from '../gateway/admin-call.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { botBody } from '../im/admin-client.ts';

// The other side of the rule a pool write follows: a bot may not name a secret a pool's origin auth
// sends, or each origin request would carry the bot's credential (and be refused at use, failing the pool).

let admin: string;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  await seedKey({ id: 'key_bwps_bill', scopes: ['inference'] });
  await seedPool(
    {
      name: 'bwps-pool',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: 'http://bwps.test', capacity: 4, weight: 1 }],
      auth: { header: 'authorization', prefix: 'Bearer ', secret: 'BWPS_ORIGIN_TOKEN' },
    },
    'bwps-model',
  );
});

const stored = async (id: string) =>
  (await env.DB.prepare("SELECT id FROM bots WHERE platform = 'telegram' AND id = ?").bind(id).first()) !==
  null;

describe('a bot naming the secret a pool sends to its origins', () => {
  it.each([
    ['secretName', 'bwps-a'],
    ['accessTokenName', 'bwps-b'],
  ])('is refused on create, naming the pool, with param %s', async (param, id) => {
    const body = botBody('telegram', id, 'key_bwps_bill', 'bwps-model', { [param]: 'BWPS_ORIGIN_TOKEN' });
    const res = await callAs(admin, 'POST', '/admin/bots', body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toMatchObject({ code: 'invalid_request', param });
    expect(error.message).toContain('bwps-pool');
    expect(await stored(id)).toBe(false);
  });

  it('is refused on PATCH, and a bot with secrets of its own is written', async () => {
    const created = await callAs(
      admin,
      'POST',
      '/admin/bots',
      botBody('telegram', 'bwps-c', 'key_bwps_bill', 'bwps-model'),
    );
    expect(created.status).toBe(201);
    const patched = await callAs(admin, 'PATCH', '/admin/bots/telegram/bwps-c', {
      secretName: 'BWPS_ORIGIN_TOKEN',
    });
    expect(patched.status).toBe(400);
    expect((await errorOf(patched)).param).toBe('secretName');
  });
});
