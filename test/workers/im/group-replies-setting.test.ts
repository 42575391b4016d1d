import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey } from '../helpers/seed.ts';
import { seedModelBackend } from './harness.ts';

let admin: string;

const call = (method: string, path: string, body?: unknown) =>
  exports.default.fetch(`http://gw${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const bot = (id: string, settings: Record<string, unknown>) => ({
  platform: 'line',
  id,
  name: id,
  keyId: 'key_group_setting',
  defaultModel: 'group-setting-model',
  secretName: 'ECO_IM_TEST_SECRET',
  accessTokenName: 'ECO_IM_TEST_ACCESS_TOKEN',
  settings,
});

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  await seedModelBackend('key_group_setting', 'group-setting-engine.test', 'group-setting-model');
});

describe('the groupReplies bot setting', () => {
  it('takes `mentions` or `all` and keeps it', async () => {
    const created = await call('POST', '/admin/bots', bot('gs-all', { groupReplies: 'all' }));
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ config: { settings: { groupReplies: 'all' } } });
    expect((await call('POST', '/admin/bots', bot('gs-mentions', { groupReplies: 'mentions' }))).status).toBe(
      201,
    );
  });

  it('refuses anything else with a 400 naming the setting', async () => {
    for (const value of ['sometimes', true, 1, null]) {
      const res = await call('POST', '/admin/bots', bot('gs-bad', { groupReplies: value }));
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { param: string | null } };
      expect(error.param).toMatch(/groupReplies/);
    }
    expect((await call('GET', '/admin/bots/line/gs-bad')).status).toBe(404);
  });
});
