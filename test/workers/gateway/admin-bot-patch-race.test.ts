import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { callAs } from './admin-call.ts';

let admin: string;

const call = (method: string, path: string, body?: unknown) => callAs(admin, method, path, body);

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'] });
  await seedKey({ id: 'key_bot_race' });
  await seedPool(
    {
      name: 'bot-race-pool',
      protocol: 'vllm',
      origins: [{ id: 'a', url: 'http://bot-race.test', capacity: 4, weight: 1 }],
    },
    'bot-race-model',
  );
});

describe('two PATCHes of one IM bot at the same time', () => {
  it('keeps both changes (neither write drops the other) and audits each change once', async () => {
    const created = await call('POST', '/admin/bots', {
      platform: 'telegram',
      id: 'race-bot',
      name: 'Race bot',
      keyId: 'key_bot_race',
      defaultModel: 'bot-race-model',
      secretName: 'ECO_IM_TEST_SECRET',
      accessTokenName: 'ECO_IM_TEST_ACCESS_TOKEN',
    });
    expect(created.status).toBe(201);
    for (let round = 1; round <= 5; round++) {
      const [one, two] = await Promise.all([
        call('PATCH', '/admin/bots/telegram/race-bot', { name: `Race bot ${round}` }),
        call('PATCH', '/admin/bots/telegram/race-bot', { settings: { maxTokens: 100 + round } }),
      ]);
      expect([one.status, two.status]).toEqual([200, 200]);
      const got = (await (await call('GET', '/admin/bots/telegram/race-bot')).json()) as {
        config: { name: string; settings: { maxTokens?: number } };
      };
      expect({ name: got.config.name, maxTokens: got.config.settings.maxTokens }).toEqual({
        name: `Race bot ${round}`,
        maxTokens: 100 + round,
      });
    }
    const audits = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM audit_log WHERE target = 'telegram/race-bot' AND action = 'bot.update'",
    ).first<{ n: number }>();
    expect(audits?.n).toBe(10);
  });

  it('answers the PATCH from the row it wrote, keeping the stored creation time', async () => {
    const res = await call('PATCH', '/admin/bots/telegram/race-bot', {
      settings: { typingIndicator: false },
    });
    expect(res.status).toBe(200);
    const view = (await res.json()) as { config: { settings: Record<string, unknown> }; createdAt: number };
    expect(view.config.settings).toEqual({ maxTokens: 105, typingIndicator: false });
    const row = await env.DB.prepare("SELECT created_at FROM bots WHERE id = 'race-bot'").first<{
      created_at: number;
    }>();
    expect(view.createdAt).toBe(row?.created_at);
  });
});
