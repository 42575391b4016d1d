import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Env } from '../../../workers/env.ts';
import { apiBase } from '../../../workers/im/bots.ts';
import { type AdminClient, adminClient, botBody, errorOf } from './admin-client.ts';
import { postWebhook, seedBot } from './bots.ts';
import { testBot } from './core-driver.ts';
import { completion, mockModel, mockSendApi, seedModelBackend } from './harness.ts';
import { telegramText } from './payloads.ts';

const KEY = 'key_api_base';
const MODEL = 'api-base-model';
const MODEL_HOST = 'api-base-engine.test';
let admin: AdminClient;

beforeAll(async () => {
  admin = await adminClient();
  await seedModelBackend(KEY, MODEL_HOST, MODEL);
});

/** Values a URL parser takes but the ECO_*_API_BASE settings refuse: the bot's token would go there. */
const REFUSED = [
  'ftp://proxy.test',
  'javascript:alert(1)',
  'https://proxy.test/bot?token=1',
  'https://proxy.test/#part',
  'https://user:pass@proxy.test',
];

describe('a bot’s own apiBase', () => {
  it('is refused at the admin API, on create and on patch, with 400 naming the field', async () => {
    for (const [i, value] of REFUSED.entries()) {
      const res = await admin.call(
        'POST',
        '/admin/bots',
        botBody('telegram', `ab-${i}`, KEY, MODEL, { apiBase: value }),
      );
      expect(res.status, value).toBe(400);
      expect(await errorOf(res), value).toMatchObject({ code: 'invalid_request', param: 'apiBase' });
    }
    const made = await admin.call(
      'POST',
      '/admin/bots',
      botBody('telegram', 'ab-ok', KEY, MODEL, { apiBase: 'http://127.0.0.1:9000/proxy/' }),
    );
    expect(made.status).toBe(201);
    const patched = await admin.call('PATCH', '/admin/bots/telegram/ab-ok', { apiBase: 'ftp://proxy.test' });
    expect(patched.status).toBe(400);
    expect(await errorOf(patched)).toMatchObject({ code: 'invalid_request', param: 'apiBase' });
    // The message never repeats the value: a path or query may carry a token.
    const secretish = await admin.call('PATCH', '/admin/bots/telegram/ab-ok', {
      apiBase: 'https://proxy.test/?key=s3cr3t-value',
    });
    expect((await errorOf(secretish)).message).not.toContain('s3cr3t');
    const kept = (await (await admin.call('GET', '/admin/bots/telegram/ab-ok')).json()) as {
      config: { apiBase: string };
    };
    expect(kept.config.apiBase).toBe('http://127.0.0.1:9000/proxy/');
  });

  it('already stored and unusable: the platform base is used, logged once, and the admin view names it', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const bot = { ...testBot('telegram', 'stored-bad'), apiBase: 'https://user:pass@proxy.test' };
    const env = { ECO_TELEGRAM_API_BASE: 'http://platform.test/' } as unknown as Env;
    expect(apiBase(env, bot)).toBe('http://platform.test');
    expect(apiBase(env, bot)).toBe('http://platform.test');
    const lines = errors.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('stored-bad'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('apiBase');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      event: 'configuration_error',
      code: 'bot_api_base_unusable',
      request_id: null,
    });
    expect(lines[0]).not.toContain('user:pass');
    // A usable one is used as it is (trailing slashes dropped, as the settings do).
    expect(apiBase(env, { ...bot, apiBase: 'http://proxy.test/tg/' })).toBe('http://proxy.test/tg');
    errors.mockRestore();

    await seedBot({
      platform: 'telegram',
      id: 'ab-stored',
      keyId: KEY,
      model: MODEL,
      apiBase: 'ftp://tg-ftp.test',
    });
    const view = (await (await admin.call('GET', '/admin/bots/telegram/ab-stored')).json()) as {
      problems?: string[];
    };
    expect(view.problems?.join(' ')).toMatch(/apiBase/);
    // Replies go to the platform's public API (the default ECO_TELEGRAM_API_BASE), not to ftp://.
    mockModel(MODEL_HOST, () => completion('via the platform'));
    const sent = mockSendApi('api.telegram.org');
    expect(
      (await postWebhook('telegram', 'ab-stored', JSON.stringify(telegramText(1, 6101, 'hi')))).status,
    ).toBe(200);
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]!.url).toBe('https://api.telegram.org/botim-test-access-token/sendMessage');
    expect(sent[0]!.body.text).toBe('via the platform');
  });
});
