import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { EcoError } from '../../../schemas/errors.ts';
import { getBotAndRow, updateBotIfUnchanged } from '../../../workers/admin/bot-update.ts';
import { PATCH_ATTEMPTS, patchUntilWritten } from '../../../workers/admin/merge-patch.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { callAs } from './admin-call.ts';

let admin: string;

const auditCount = async (target: string) =>
  (
    await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE target = ? AND action = 'bot.update'")
      .bind(target)
      .first<{ n: number }>()
  )?.n;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  await seedKey({ id: 'key_acw' });
  await seedPool(
    {
      name: 'acw-pool',
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://acw.test', capacity: 4, weight: 1 }],
    },
    'acw-model',
  );
  const res = await callAs(admin, 'POST', '/admin/bots', {
    platform: 'telegram',
    id: 'acw-bot',
    name: 'Conditional',
    keyId: 'key_acw',
    defaultModel: 'acw-model',
    secretName: 'ECO_IM_TEST_SECRET',
    accessTokenName: 'ECO_IM_TEST_ACCESS_TOKEN',
  });
  expect(res.status).toBe(201);
});

describe('patchUntilWritten', () => {
  it(`gives up with 409 write_conflict after ${PATCH_ATTEMPTS} lost races`, async () => {
    let calls = 0;
    const err = await patchUntilWritten('bot', 'telegram/x', async () => {
      calls++;
      return undefined;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EcoError);
    expect(err).toMatchObject({ status: 409, code: 'write_conflict' });
    expect(calls).toBe(PATCH_ATTEMPTS);
  });

  it('returns what the first attempt that wrote returned', async () => {
    let calls = 0;
    const result = await patchUntilWritten('bot', 'telegram/x', async () =>
      ++calls === 3 ? 'done' : undefined,
    );
    expect({ result, calls }).toEqual({ result: 'done', calls: 3 });
  });
});

describe('updateBotIfUnchanged', () => {
  const audit = { actorKeyId: null, action: 'bot.update', target: 'telegram/acw-bot' };

  it('writes nothing (no audit row either) when the row changed since it was read', async () => {
    const { bot, stored } = await getBotAndRow(env.DB, 'telegram', 'acw-bot');
    await env.DB.prepare("UPDATE bots SET name = 'Changed by another write' WHERE id = 'acw-bot'").run();
    const before = await auditCount('telegram/acw-bot');
    const written = await updateBotIfUnchanged(env.DB, { ...bot.config, name: 'Mine' }, stored, audit);
    expect(written).toBe(false);
    expect(await auditCount('telegram/acw-bot')).toBe(before);
    const row = await env.DB.prepare("SELECT name FROM bots WHERE id = 'acw-bot'").first<{ name: string }>();
    expect(row?.name).toBe('Changed by another write');
  });

  it('writes nothing when its billing key was revoked since it was checked', async () => {
    const { bot, stored } = await getBotAndRow(env.DB, 'telegram', 'acw-bot');
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = 'key_acw'").bind(Date.now()).run();
    const written = await updateBotIfUnchanged(env.DB, { ...bot.config, name: 'Mine' }, stored, audit);
    expect(written).toBe(false);
    // The PATCH then checks the key again and says why.
    const res = await callAs(admin, 'PATCH', '/admin/bots/telegram/acw-bot', { name: 'Mine' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; param: string } }).error).toMatchObject({
      code: 'key_not_found',
      param: 'keyId',
    });
  });
});
