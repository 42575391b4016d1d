import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { BotConfig } from '../../../schemas/bot-config.ts';
import { ModelConfig } from '../../../schemas/config.ts';
import { saveBot } from '../../../workers/admin/bot-store.ts';
import { getBotAndRow, updateBotIfUnchanged } from '../../../workers/admin/bot-update.ts';
import {
  createModel,
  deleteModel,
  getModelAndRow,
  updateModelIfUnchanged,
} from '../../../workers/admin/config-store.ts';
import { auditActions } from '../helpers/audit.ts';
import { racingBatch } from '../helpers/racing-batch.ts';
import { refusal } from '../helpers/refusal.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { seedVllmPool } from '../identity/helpers.ts';
import { botBody } from '../im/admin-client.ts';

// Each admin write checks what it refers to before it writes, and checks it again in the write's own
// statement: a pool deleted, a name taken or a bot written between the two must not slip through. These
// tests call the writes directly with the first check already passed (or skipped), as a race would.

const model = (id: string, extra: Partial<ModelConfig> = {}) =>
  ModelConfig.parse({ id, routes: [{ pool: 'awg-pool', engineModel: 'e' }], ...extra });
const audit = (action: string, target: string) => ({ actorKeyId: 'key_awg', action, target });
const audited = async (target: string) => (await auditActions(target)).length;
const rowOf = (id: string) => env.DB.prepare('SELECT * FROM models WHERE id = ?').bind(id).first();
const bot = (id: string, defaultModel: string) =>
  BotConfig.parse(botBody('telegram', id, 'key_awg_bot', defaultModel));

beforeAll(async () => {
  await seedKey({ id: 'key_awg_bot' });
  await seedVllmPool('awg-pool', 'a', 'awg.test', 'awg-model', 2);
  await createModel(
    env.DB,
    model('awg-named', { aliases: ['awg-alias'] }),
    audit('model.create', 'awg-named'),
  );
  // A row that no longer validates (capabilities not a list) still holds its names.
  await env.DB.prepare(
    `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, created_at) VALUES ('awg-broken', '["awg-broken-alias"]', 'test', '[]', '"chat"', 8192, 0)`,
  ).run();
});

describe('a model write whose pool or names changed after the check', () => {
  it('a create routed to a pool that is gone writes nothing and answers 400 pool_not_found', async () => {
    const err = await refusal(
      createModel(
        env.DB,
        model('awg-orphan', { routes: [{ pool: 'awg-gone', engineModel: 'e' }] }),
        audit('model.create', 'awg-orphan'),
      ),
    );
    expect(err).toMatchObject({ status: 400, code: 'pool_not_found', param: 'routes.0.pool' });
    expect(await rowOf('awg-orphan')).toBeNull();
    expect(await audited('awg-orphan')).toBe(0);
  });

  it('a create whose pool is gone at its write and back by the check after it answers 409 write_conflict', async () => {
    const flicker = {
      name: 'awg-flicker',
      protocol: 'vllm' as const,
      origins: [{ id: 'a', url: 'http://awg-flicker.test', capacity: 2, weight: 1 }],
    };
    await seedPool(flicker);
    const poolGoneAtWrite = racingBatch(
      env.DB,
      (db) => db.prepare("DELETE FROM pools WHERE name = 'awg-flicker'").run(),
      () => seedPool(flicker),
    );
    const routed = model('awg-flickering', { routes: [{ pool: 'awg-flicker', engineModel: 'e' }] });
    const err = await refusal(createModel(poolGoneAtWrite, routed, audit('model.create', 'awg-flickering')));
    expect(err).toMatchObject({ status: 409, code: 'write_conflict' });
    expect(await rowOf('awg-flickering')).toBeNull();
    expect(await audited('awg-flickering')).toBe(0);
  });

  it.each([
    ['an alias of another model', { aliases: ['awg-alias'] }],
    ["another model's id as an alias", { aliases: ['awg-named'] }],
    ['an alias of a stored row that no longer validates', { aliases: ['awg-broken-alias'] }],
  ])('a create taking %s writes nothing and answers 409 model_name_taken', async (_, extra) => {
    const id = `awg-dup-${extra.aliases[0]}`;
    const err = await refusal(createModel(env.DB, model(id, extra), audit('model.create', id)));
    expect(err).toMatchObject({ status: 409, code: 'model_name_taken' });
    expect(await rowOf(id)).toBeNull();
    expect(await audited(id)).toBe(0);
  });

  it('an update to a pool that is gone, or to a taken alias, is not written (the caller checks again)', async () => {
    await createModel(env.DB, model('awg-upd'), audit('model.create', 'awg-upd'));
    const { stored } = await getModelAndRow(env.DB, 'awg-upd');
    const gone = model('awg-upd', { routes: [{ pool: 'awg-gone', engineModel: 'e' }] });
    expect(await updateModelIfUnchanged(env.DB, gone, stored, audit('model.update', 'awg-upd'))).toBe(false);
    const taken = model('awg-upd', { aliases: ['awg-alias'] });
    expect(await updateModelIfUnchanged(env.DB, taken, stored, audit('model.update', 'awg-upd'))).toBe(false);
    expect(await rowOf('awg-upd')).toMatchObject({ aliases: '[]', routes: stored.routes });
    expect(await audited('awg-upd')).toBe(1); // the create only
    // The same update with nothing in its way goes through.
    const fine = model('awg-upd', { aliases: ['awg-upd-alias'] });
    expect(await updateModelIfUnchanged(env.DB, fine, stored, audit('model.update', 'awg-upd'))).toBe(true);
  });
});

describe('a bot written while its model changes', () => {
  it('a model a bot names (by id or alias) is not deleted, nor the alias dropped', async () => {
    await createModel(
      env.DB,
      model('awg-botted', { aliases: ['awg-botted-alias'] }),
      audit('model.create', 'awg-botted'),
    );
    expect(await saveBot(env.DB, bot('awg-bot-1', 'awg-botted-alias'), 'key_admin_writer')).not.toBeNull();
    expect(await deleteModel(env.DB, 'awg-botted', audit('model.delete', 'awg-botted'))).toBe(false);
    const { stored } = await getModelAndRow(env.DB, 'awg-botted');
    const dropped = model('awg-botted', { aliases: [] });
    expect(await updateModelIfUnchanged(env.DB, dropped, stored, audit('model.update', 'awg-botted'))).toBe(
      false,
    );
    expect(await rowOf('awg-botted')).toMatchObject({ aliases: '["awg-botted-alias"]' });
    expect(await audited('awg-botted')).toBe(1); // the create only
  });

  it('a bot naming a model that is gone is not written, created or changed', async () => {
    expect(await saveBot(env.DB, bot('awg-bot-2', 'awg-no-such-model'), 'key_admin_writer')).toBeNull();
    expect(await env.DB.prepare("SELECT id FROM bots WHERE id = 'awg-bot-2'").first()).toBeNull();
    expect(await saveBot(env.DB, bot('awg-bot-3', 'awg-model'), 'key_admin_writer')).not.toBeNull();
    const { stored } = await getBotAndRow(env.DB, 'telegram', 'awg-bot-3');
    const moved = bot('awg-bot-3', 'awg-no-such-model');
    expect(await updateBotIfUnchanged(env.DB, moved, stored, audit('bot.update', 'z'))).toBe(false);
    expect(await env.DB.prepare("SELECT default_model FROM bots WHERE id = 'awg-bot-3'").first()).toEqual({
      default_model: 'awg-model',
    });
  });

  it('a model no bot names is deleted', async () => {
    await createModel(env.DB, model('awg-free'), audit('model.create', 'awg-free'));
    expect(await deleteModel(env.DB, 'awg-free', audit('model.delete', 'awg-free'))).toBe(true);
    expect(await rowOf('awg-free')).toBeNull();
  });
});
