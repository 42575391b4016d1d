import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { invalidateKeyCache } from '../../../workers/data/api-keys.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey } from '../helpers/seed.ts';
import { call, chatAnswer, chatAs, expectError, seedVllmPool } from './helpers.ts';

let admin: string;

beforeAll(async () => {
  admin = await seedKey({ scopes: ['admin'], tenant: 'ops' });
  await seedVllmPool('stored-key-pool', 'sk1', 'stored-key-origin.test', 'stored-key-model');
});

/** A chat as `key`, the origin answering. */
function chat(key: string): Promise<Response> {
  mockOrigin('stored-key-origin.test', () =>
    chatAnswer('hi', { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }, 'stored-key-model-engine'),
  );
  return chatAs(key, 'stored-key-model');
}

/** A key of tenant `hand-edited` whose `column` was then overwritten by hand with `text`. */
async function handEditedKey(id: string, column: string, text: string | null): Promise<string> {
  const secret = await seedKey({ id, tenant: 'hand-edited', scopes: ['inference'] });
  await env.DB.prepare(`UPDATE api_keys SET ${column} = ? WHERE id = ?`).bind(text, id).run();
  invalidateKeyCache();
  return secret;
}

interface Listed {
  data: { id: string; problems?: string[]; limits: unknown; scopes: unknown }[];
}

describe('an API key row edited by hand into something the admin API never writes', () => {
  it('is refused with a clear 500 when a JSON column does not parse, and other keys keep working', async () => {
    const broken = await handEditedKey('key_broken_json', 'limits', '{"requestsPerMinute": 5');
    await expectError(await chat(broken), 500, 'api_key_record_invalid');
    const fine = await seedKey({ tenant: 'hand-edited', scopes: ['inference'] });
    expect((await chat(fine)).status).toBe(200);
  });

  it('is refused rather than run without limits when a limit is misspelt', async () => {
    const misspelt = await handEditedKey('key_misspelt', 'limits', '{"rpm": 1}');
    await expectError(await chat(misspelt), 500, 'api_key_record_invalid');
  });

  it('is refused rather than read as having no scopes when the scopes are not a list', async () => {
    const scopes = await handEditedKey('key_scope_text', 'scopes', '"inference"');
    await expectError(await chat(scopes), 500, 'api_key_record_invalid');
  });

  it('is listed with its problems, beside the keys that are fine, and a PATCH corrects it', async () => {
    const secret = await handEditedKey('key_fix_me', 'limits', 'not json');
    await seedKey({ id: 'key_fine_beside', tenant: 'hand-edited' });
    const listed = (await (await call('/admin/keys?tenant=hand-edited', admin)).json()) as Listed;
    const row = listed.data.find((k) => k.id === 'key_fix_me');
    expect(row?.problems).toEqual([expect.stringContaining('limits')]);
    expect(row?.limits).toEqual({});
    expect(listed.data.find((k) => k.id === 'key_fine_beside')?.problems).toBeUndefined();
    const one = (await (await call('/admin/keys/key_fix_me', admin)).json()) as Listed['data'][number];
    expect(one.problems).toHaveLength(1);

    const fixed = await call('/admin/keys/key_fix_me', admin, {
      method: 'PATCH',
      body: { limits: { requests_per_minute: 100 } },
    });
    expect(fixed.status).toBe(200);
    const body = (await fixed.json()) as Listed['data'][number];
    expect(body.problems).toBeUndefined();
    expect(body.limits).toEqual({ requests_per_minute: 100 });
    expect((await chat(secret)).status).toBe(200);
  });

  it('cannot be given an IM bot to bill to until it is corrected', async () => {
    await handEditedKey('key_for_bot', 'allowed_models', '["stored-key-model", 7]');
    const res = await call('/admin/bots', admin, {
      method: 'POST',
      body: {
        platform: 'telegram',
        id: 'hand-edited-bot',
        name: 'Bills to a hand-edited key',
        keyId: 'key_for_bot',
        defaultModel: 'stored-key-model',
        secretName: 'ECO_IM_TEST_SECRET',
        accessTokenName: 'ECO_IM_TEST_ACCESS_TOKEN',
      },
    });
    await expectError(res, 400, 'api_key_record_invalid');
  });
});
