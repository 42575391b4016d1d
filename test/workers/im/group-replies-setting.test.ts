import { beforeAll, describe, expect, it } from 'vitest';
import { type AdminClient, adminClient, botBody, errorOf } from './admin-client.ts';
import { seedModelBackend } from './harness.ts';

let admin: AdminClient;
const call = (method: string, path: string, body?: unknown) => admin.call(method, path, body);
const bot = (id: string, settings: Record<string, unknown>) =>
  botBody('line', id, 'key_group_setting', 'group-setting-model', { settings });

beforeAll(async () => {
  admin = await adminClient();
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
      expect((await errorOf(res)).param).toMatch(/groupReplies/);
    }
    expect((await call('GET', '/admin/bots/line/gs-bad')).status).toBe(404);
  });
});
