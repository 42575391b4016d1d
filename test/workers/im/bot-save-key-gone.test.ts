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

const audit = (target: string) => ({ actorKeyId: 'admin', action: 'bot.create', target });

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
    expect(
      await saveBot(env.DB, bot('save-live', 'key_save_live'), Date.now(), audit('telegram/save-live')),
    ).toBe(true);
    expect(await stored('save-live')).toBe(true);
    expect(await audited('telegram/save-live')).toBe(1);
  });

  it.each([
    ['deleted', 'key_save_missing'],
    ['revoked', 'key_save_revoked'],
  ])('writes nothing, audit row included, once the key is %s', async (_, keyId) => {
    const id = `save-${keyId}`;
    expect(await saveBot(env.DB, bot(id, keyId), Date.now(), audit(`telegram/${id}`))).toBe(false);
    expect(await stored(id)).toBe(false);
    expect(await audited(`telegram/${id}`)).toBe(0);
  });
});
