import { beforeAll, describe, expect, it } from 'vitest';
import { type AdminClient, adminClient, botBody, errorOf } from './admin-client.ts';
import { seedModelBackend } from './harness.ts';

let admin: AdminClient;
const call = (method: string, path: string, body?: unknown) => admin.call(method, path, body);
const bot = (id: string, defaultModel: string) =>
  botBody('telegram', id, 'key_bots_extra', defaultModel, { settings: { systemPrompt: 'Be brief.' } });

beforeAll(async () => {
  admin = await adminClient();
  await seedModelBackend('key_bots_extra', 'bots-extra-engine.test', 'bots-extra-model');
});

describe('models that IM bots answer with', () => {
  it('refuses to delete a model a bot names, until the bot is gone', async () => {
    expect((await call('POST', '/admin/bots', bot('bx-del', 'bots-extra-model'))).status).toBe(201);
    const refused = await call('DELETE', '/admin/models/bots-extra-model');
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe('model_in_use');
    expect((await call('GET', '/admin/models/bots-extra-model')).status).toBe(200);
    expect((await call('DELETE', '/admin/bots/telegram/bx-del')).status).toBe(200);
    expect((await call('DELETE', '/admin/models/bots-extra-model')).status).toBe(200);
  });

  it('finds the bot among more names than one D1 statement binds', async () => {
    await seedModelBackend('key_bots_extra_3', 'bots-extra-engine.test', 'bots-extra-many');
    const aliases = Array.from({ length: 150 }, (_, i) => `bx-many-${i}`);
    expect((await call('PATCH', '/admin/models/bots-extra-many', { aliases })).status).toBe(200);
    expect((await call('POST', '/admin/bots', bot('bx-many-bot', 'bx-many-149'))).status).toBe(201);
    const refused = await call('DELETE', '/admin/models/bots-extra-many');
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe('model_in_use');
    expect((await call('DELETE', '/admin/bots/telegram/bx-many-bot')).status).toBe(200);
    expect((await call('DELETE', '/admin/models/bots-extra-many')).status).toBe(200);
  });

  it('refuses a patch that drops the alias a bot names', async () => {
    await seedModelBackend('key_bots_extra_2', 'bots-extra-engine.test', 'bots-extra-aliased');
    expect((await call('PATCH', '/admin/models/bots-extra-aliased', { aliases: ['bx-alias'] })).status).toBe(
      200,
    );
    expect((await call('POST', '/admin/bots', bot('bx-alias-bot', 'bx-alias'))).status).toBe(201);
    const refused = await call('PATCH', '/admin/models/bots-extra-aliased', { aliases: ['bx-other'] });
    expect(refused.status).toBe(409);
    expect(await errorOf(refused)).toMatchObject({ code: 'model_in_use', param: 'aliases' });
    // Adding a name beside the one in use is fine.
    const added = await call('PATCH', '/admin/models/bots-extra-aliased', {
      aliases: ['bx-alias', 'bx-other'],
    });
    expect(added.status).toBe(200);
  });
});
