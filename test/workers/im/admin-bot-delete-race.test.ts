import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditActions } from '../helpers/audit.ts';
import { racingBatch } from '../helpers/racing-batch.ts';
import { seedKey } from '../helpers/seed.ts';
import { callWithVars } from '../identity/helpers.ts';
import { errorOf } from './admin-client.ts';

let admin: string;

const seedBot = (id: string) =>
  env.DB.prepare(
    `INSERT INTO bots (platform, id, name, key_id, default_model, secret_name, access_token_name, settings, created_at)
     VALUES ('telegram', ?, ?, 'key_bot_delete_race', 'bot-delete-race-model', 'ECO_IM_TEST_SECRET', 'ECO_IM_TEST_ACCESS_TOKEN', '{}', ?)`,
  )
    .bind(id, id, Date.now())
    .run();

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
});

describe('deleting an IM bot that another request deletes first', () => {
  it('answers 404 bot_not_found and leaves one delete record, the other request’s', async () => {
    await seedBot('delete-race');
    // The other delete commits between this one's start and its write.
    const deletedFirst = racingBatch(env.DB, (db) =>
      db.batch([
        db.prepare("DELETE FROM bots WHERE platform = 'telegram' AND id = 'delete-race'"),
        db
          .prepare(
            "INSERT INTO audit_log (id, actor_key_id, action, target, detail, created_at) VALUES (?, 'other', 'bot.delete', 'telegram/delete-race', '{}', ?)",
          )
          .bind(crypto.randomUUID(), Date.now()),
      ]),
    );
    const res = await callWithVars({ DB: deletedFirst }, '/admin/bots/telegram/delete-race', admin, {
      method: 'DELETE',
    });
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('bot_not_found');
    expect(await auditActions('telegram/delete-race')).toEqual(['bot.delete']);
  });

  it('a delete that finds the bot removes it, audited once, and a second one answers 404', async () => {
    await seedBot('delete-once');
    const first = await callWithVars({}, '/admin/bots/telegram/delete-once', admin, { method: 'DELETE' });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ platform: 'telegram', id: 'delete-once', deleted: true });
    const again = await callWithVars({}, '/admin/bots/telegram/delete-once', admin, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect((await errorOf(again)).code).toBe('bot_not_found');
    expect(await auditActions('telegram/delete-once')).toEqual(['bot.delete']);
  });
});
