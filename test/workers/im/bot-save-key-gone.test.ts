import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BotConfig } from '../../../schemas/bot-config.ts';
import { saveBot } from '../../../workers/admin/bot-store.ts';
import { auditActions } from '../helpers/audit.ts';
import { seedKey } from '../helpers/seed.ts';
import { seedVllmPool } from '../identity/helpers.ts';

// The billing key is checked before a bot is written; this is the write itself, as it would run when
// the key is deleted or revoked between that check and the write.
const bot = (id: string, keyId: string) =>
  ({
    platform: 'telegram',
    id,
    name: 'bot',
    keyId,
    defaultModel: 'save-key-model',
    secretName: 'ECO_IM_TEST_SECRET',
    accessTokenName: 'ECO_IM_TEST_ACCESS_TOKEN',
    settings: {},
  }) as BotConfig;

async function stored(id: string): Promise<boolean> {
  return (
    (await env.DB.prepare("SELECT 1 FROM bots WHERE platform = 'telegram' AND id = ?").bind(id).first()) !==
    null
  );
}

async function audited(target: string): Promise<number> {
  return (await auditActions(target)).length;
}

beforeAll(async () => {
  await seedKey({ id: 'key_save_live' });
  await seedKey({ id: 'key_save_revoked', revokedAt: Date.now() - 1000 });
  await seedVllmPool('save-key-pool', 'a', 'save-key.test', 'save-key-model', 1);
});

describe('writing a bot', () => {
  it('goes through while its billing key is live', async () => {
    expect(await saveBot(env.DB, bot('save-live', 'key_save_live'), 'key_admin_writer')).not.toBeNull();
    expect(await stored('save-live')).toBe(true);
    expect(await audited('telegram/save-live')).toBe(1);
  });

  it.each([
    ['deleted', 'key_save_missing'],
    ['revoked', 'key_save_revoked'],
  ])('writes nothing, audit row included, once the key is %s', async (_, keyId) => {
    const id = `save-${keyId}`;
    expect(await saveBot(env.DB, bot(id, keyId), 'key_admin_writer')).toBeNull();
    expect(await stored(id)).toBe(false);
    expect(await audited(`telegram/${id}`)).toBe(0);
  });
});

describe('two saves of one bot at once', () => {
  it("are one create and one replace, each audited as what it did, with the first row's creation time", async () => {
    const first = bot('save-twice', 'key_save_live');
    const second = { ...first, name: 'renamed' };
    const [a, b] = await Promise.all([
      saveBot(env.DB, first, 'key_admin_writer', 1_000),
      saveBot(env.DB, second, 'key_admin_writer', 2_000),
    ]);
    const outcomes = [a, b].map((saved) => saved?.created);
    expect(outcomes.sort()).toEqual([false, true]);
    const created = [a, b].find((saved) => saved?.created)!;
    const replaced = [a, b].find((saved) => saved?.created === false)!;
    expect(replaced.createdAt).toBe(created.createdAt);
    expect((await auditActions('telegram/save-twice')).sort()).toEqual(['bot.create', 'bot.replace']);
    const row = await env.DB.prepare(
      "SELECT created_at AS createdAt FROM bots WHERE platform = 'telegram' AND id = 'save-twice'",
    ).first();
    expect(row).toEqual({ createdAt: created.createdAt });
  });

  it('a replace after a delete is a create again', async () => {
    const config = bot('save-again', 'key_save_live');
    expect(await saveBot(env.DB, config, 'key_admin_writer', 3_000)).toEqual({
      created: true,
      createdAt: 3_000,
    });
    expect(await saveBot(env.DB, config, 'key_admin_writer', 4_000)).toEqual({
      created: false,
      createdAt: 3_000,
    });
    await env.DB.prepare("DELETE FROM bots WHERE platform = 'telegram' AND id = 'save-again'").run();
    expect(await saveBot(env.DB, config, 'key_admin_writer', 5_000)).toEqual({
      created: true,
      createdAt: 5_000,
    });
  });
});
