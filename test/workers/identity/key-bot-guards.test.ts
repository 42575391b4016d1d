import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { BotConfig } from '../../../schemas/bot-config.ts';
import { ModelConfig } from '../../../schemas/config.ts';
import { saveBot } from '../../../workers/admin/bot-store.ts';
import { createModel } from '../../../workers/admin/config-store.ts';
import { updateKey } from '../../../workers/auth/key-store.ts';
import { auditActions } from '../helpers/audit.ts';
import { racingBatch } from '../helpers/racing-batch.ts';
import { refusal } from '../helpers/refusal.ts';
import { seedKey } from '../helpers/seed.ts';
import { botBody } from '../im/admin-client.ts';
import { seedVllmPool } from './helpers.ts';

// A bot answers as its billing key: the key must have `inference` and be allowed the bot's model. Both
// writes check that before they write, and again in their own statement, so that a key changed while a
// bot is written (or a bot written while its key is changed) cannot leave a bot that never answers.

const audit = (action: string, target: string) => ({ actorKeyId: 'key_kbg_admin', action, target });
const bot = (id: string, keyId: string, defaultModel: string) =>
  BotConfig.parse(botBody('telegram', id, keyId, defaultModel));

const audits = async (target: string) => (await auditActions(target)).length;

beforeAll(async () => {
  await seedVllmPool('kbg-pool', 'a', 'kbg.test', 'kbg-model', 2);
  await createModel(
    env.DB,
    ModelConfig.parse({
      id: 'kbg-other',
      aliases: ['kbg-other-alias'],
      routes: [{ pool: 'kbg-pool', engineModel: 'e' }],
    }),
    audit('model.create', 'kbg-other'),
  );
  await seedKey({ id: 'key_kbg_any' });
  await seedKey({ id: 'key_kbg_other_only', allowedModels: ['kbg-other-alias'] });
  await seedKey({ id: 'key_kbg_admin_only', scopes: ['admin'] });
});

describe('a bot written as its key changes', () => {
  it('is written when the key may use its model, by id or by alias on either side', async () => {
    expect(
      await saveBot(env.DB, bot('kbg-1', 'key_kbg_any', 'kbg-model'), 'key_admin_writer'),
    ).not.toBeNull();
    expect(
      await saveBot(env.DB, bot('kbg-2', 'key_kbg_other_only', 'kbg-other'), 'key_admin_writer'),
    ).not.toBeNull();
    expect(
      await saveBot(env.DB, bot('kbg-3', 'key_kbg_other_only', 'kbg-other-alias'), 'key_admin_writer'),
    ).not.toBeNull();
  });

  it('is not written when the key may not use its model, or cannot infer at all', async () => {
    expect(
      await saveBot(env.DB, bot('kbg-4', 'key_kbg_other_only', 'kbg-model'), 'key_admin_writer'),
    ).toBeNull();
    expect(
      await saveBot(env.DB, bot('kbg-5', 'key_kbg_admin_only', 'kbg-model'), 'key_admin_writer'),
    ).toBeNull();
    expect(await env.DB.prepare("SELECT id FROM bots WHERE id IN ('kbg-4', 'kbg-5')").all()).toMatchObject({
      results: [],
    });
    expect(await audits('kbg-4')).toBe(0);
  });
});

describe('a key changed as a bot is written', () => {
  it('a bot written between the check and the update keeps the key from stranding it: 409, nothing changed', async () => {
    await seedKey({ id: 'key_kbg_patch' });
    // The bot arrives just before the key's write.
    const botBeforeWrite = racingBatch(env.DB, (db) =>
      saveBot(db, bot('kbg-late', 'key_kbg_patch', 'kbg-model'), 'key_admin_writer'),
    );
    const store = { database: botBeforeWrite, actorKeyId: 'key_kbg_admin' };
    const err = await refusal(updateKey(store, 'key_kbg_patch', { allowed_models: ['kbg-other'] }));
    expect(err).toMatchObject({ status: 409, code: 'api_key_in_use' });
    const row = await env.DB.prepare(
      "SELECT allowed_models FROM api_keys WHERE id = 'key_kbg_patch'",
    ).first();
    expect(row).toEqual({ allowed_models: null });
    expect(await audits('key_kbg_patch')).toBe(0);
  });

  it('a bot there at the write and gone by the check after it: 409 write_conflict, nothing changed', async () => {
    await seedKey({ id: 'key_kbg_flicker' });
    const passingBot = racingBatch(
      env.DB,
      (db) => saveBot(db, bot('kbg-passing', 'key_kbg_flicker', 'kbg-model'), 'key_admin_writer'),
      (db) => db.prepare("DELETE FROM bots WHERE id = 'kbg-passing'").run(),
    );
    const store = { database: passingBot, actorKeyId: 'key_kbg_admin' };
    const err = await refusal(updateKey(store, 'key_kbg_flicker', { allowed_models: ['kbg-other'] }));
    expect(err).toMatchObject({ status: 409, code: 'write_conflict' });
    const row = await env.DB.prepare(
      "SELECT allowed_models FROM api_keys WHERE id = 'key_kbg_flicker'",
    ).first();
    expect(row).toEqual({ allowed_models: null });
    expect(await audits('key_kbg_flicker')).toBe(0);
  });

  it('a change that leaves every bot able to answer goes through', async () => {
    const store = { database: env.DB, actorKeyId: 'key_kbg_admin' };
    const key = await updateKey(store, 'key_kbg_any', { allowed_models: ['kbg-model', 'kbg-other'] });
    expect(key.allowed_models).toEqual(['kbg-model', 'kbg-other']);
  });
});
