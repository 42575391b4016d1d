import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolConfig } from '../../../schemas/config.ts';
import { EcoError } from '../../../schemas/errors.ts';
import { refuseBotSecret } from '../../../workers/admin/pool-write.ts';
import {
  BOT_SECRET_NAMES_REFRESH_MS,
  botSecretNames,
  forgetBotSecretNames,
  poolSecretRefusal,
} from '../../../workers/auth/pool-secret-names.ts';
import { chatAnswer, mockOrigin } from '../helpers/origin-mock.ts';
import { seedKey, seedPool } from '../helpers/seed.ts';
import { callWithVars, waitFor } from '../identity/helpers.ts';

// A pool's origin auth sends the value of the Worker secret it names to the pool's origins: never a
// bot's credential, nor one of the gateway's own, whoever wrote the pool row.

const ORIGIN = 'psn-origin.test';
const BOT_TOKEN_NAME = 'PSN_BOT_TOKEN';
const vars = {
  [BOT_TOKEN_NAME]: 'psn-bot-token-value',
  PSN_POOL_KEY: 'psn-pool-key-value',
};
/** Header values of the chat requests that reached the origin. */
const sent: (string | null)[] = [];
let key: string;

async function insertBot(id: string, accessTokenName: string): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO bots (platform, id, name, key_id, default_model, secret_name, verify_token_name, access_token_name, api_base, settings, created_at)
     VALUES ('telegram', ?1, 'psn bot', 'key_psn_none', 'psn-model', 'PSN_BOT_WEBHOOK', NULL, ?2, NULL, '{}', 0)
     ON CONFLICT(platform, id) DO UPDATE SET access_token_name = excluded.access_token_name`,
  )
    .bind(id, accessTokenName)
    .run();
}

/** A pool stored as it is (as SQL or an older release could have), with origin auth naming `secret`. */
async function poolNaming(name: string, secret: string): Promise<void> {
  await seedPool(
    {
      name,
      protocol: 'vllm',
      origins: [{ id: 'o1', url: `http://${ORIGIN}`, capacity: 8, weight: 1 }],
      auth: { header: 'x-psn-key', secret },
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    `${name}-model`,
  );
}

const chat = (model: string) =>
  callWithVars(vars, '/v1/chat/completions', key, {
    method: 'POST',
    body: { model, messages: [{ role: 'user', content: 'hello' }] },
  });

beforeAll(async () => {
  key = await seedKey({ tenant: 'psn' });
  await insertBot('psn-bot', BOT_TOKEN_NAME);
  await poolNaming('psn-bot-pool', BOT_TOKEN_NAME);
  await poolNaming('psn-eco-pool', 'ECO_JOB_CALLBACK_SECRET');
  await poolNaming('psn-own-pool', 'PSN_POOL_KEY');
  forgetBotSecretNames(); // read the bots table again, with the bot above in it
});

/** Origins are cleared after each test: install the recording one for this one. */
function recordOrigin(): void {
  sent.length = 0;
  mockOrigin(ORIGIN, (req) => {
    if (new URL(req.url).pathname.endsWith('/chat/completions')) sent.push(req.headers.get('x-psn-key'));
    return chatAnswer('hi');
  });
}

afterAll(() => forgetBotSecretNames());

describe('origin auth when it is sent', () => {
  it("refuses to send a bot's secret: 502 origin_misconfigured, and the origin is not called", async () => {
    recordOrigin();
    const res = await chat('psn-bot-pool-model');
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect({ status: res.status, code: body.error.code }).toEqual({
      status: 502,
      code: 'origin_misconfigured',
    });
    expect(body.error.message).not.toContain('psn-bot-token-value');
    expect(sent).toEqual([]);
  });

  it("refuses to send one of the gateway's own secrets", async () => {
    recordOrigin();
    const res = await chat('psn-eco-pool-model');
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('origin_misconfigured');
    expect(sent).toEqual([]);
  });

  it('sends a secret of the pool’s own', async () => {
    recordOrigin();
    const res = await chat('psn-own-pool-model');
    expect(res.status).toBe(200);
    expect(sent).toEqual(['psn-pool-key-value']);
  });
});

describe('origin auth when a pool is written', () => {
  const pool = (secret: string) => ({ name: 'psn-write', auth: { header: 'x-k', secret } }) as PoolConfig;

  it('refuses a secret a bot names, naming the bot', async () => {
    const err = await refuseBotSecret(env.DB, pool(BOT_TOKEN_NAME)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EcoError);
    expect(err).toMatchObject({ status: 400, code: 'invalid_request', param: 'auth.secret' });
    expect((err as EcoError).message).toContain('telegram/psn-bot');
  });

  it('accepts a secret no bot names, and a pool without auth', async () => {
    await expect(refuseBotSecret(env.DB, pool('PSN_POOL_KEY'))).resolves.toBeUndefined();
    await expect(refuseBotSecret(env.DB, { name: 'psn-write' } as PoolConfig)).resolves.toBeUndefined();
  });
});

describe("the isolate's list of bot secret names", () => {
  it('is read once, then read again in the background once it is old, never waited for', async () => {
    const statements: string[] = [];
    const db = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === 'prepare')
          return (sql: string) => {
            statements.push(sql);
            return target.prepare(sql);
          };
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const start = Date.now();
    forgetBotSecretNames();
    expect((await botSecretNames(db, start))?.has(BOT_TOKEN_NAME)).toBe(true);
    expect(statements).toHaveLength(1);
    await insertBot('psn-late-bot', 'PSN_LATE_TOKEN');
    // Fresh: served from memory.
    expect((await botSecretNames(db, start + BOT_SECRET_NAMES_REFRESH_MS - 1))?.has('PSN_LATE_TOKEN')).toBe(
      false,
    );
    expect(statements).toHaveLength(1);
    // Old: still served at once, while it is read again.
    const later = start + BOT_SECRET_NAMES_REFRESH_MS;
    expect((await botSecretNames(db, later))?.has('PSN_LATE_TOKEN')).toBe(false);
    expect(statements).toHaveLength(2);
    await waitFor(async () => (await botSecretNames(db, later + 1))?.has('PSN_LATE_TOKEN') === true, 5000);
    expect(statements).toHaveLength(2);
  });
});

describe('the bot secret names when D1 fails', () => {
  it('do not fail the request: the use-time check falls back to the gateway secrets alone', async () => {
    forgetBotSecretNames();
    const failing = {
      prepare: () => ({ all: () => Promise.reject(new Error('D1_ERROR: storage unavailable')) }),
    } as unknown as D1Database;
    expect(await poolSecretRefusal(failing, 'PSN_ANY_ORIGIN_TOKEN')).toBeUndefined();
    expect(await poolSecretRefusal(failing, 'ECO_INTERNAL_SECRET')).toContain('ECO_');
    forgetBotSecretNames();
  });
});

describe('a read of the bot secret names crossed by a bot write', () => {
  it('does not install the list it read before the write', async () => {
    forgetBotSecretNames();
    let finish: (rows: { results: { name: string }[] }) => void = () => {};
    const slow = {
      prepare: () => ({
        all: () =>
          new Promise((resolve) => {
            finish = resolve;
          }),
      }),
    } as unknown as D1Database;
    const before = botSecretNames(slow, 1);
    forgetBotSecretNames(); // a bot was written meanwhile
    finish({ results: [{ name: 'PSN_BEFORE_WRITE' }] });
    expect((await before)?.has('PSN_BEFORE_WRITE')).toBe(true);
    // The next use reads again rather than trusting the list from before the write.
    let reads = 0;
    const counting = {
      prepare: () => ({
        all: async () => {
          reads++;
          return { results: [] };
        },
      }),
    } as unknown as D1Database;
    expect((await botSecretNames(counting, 2))?.has('PSN_BEFORE_WRITE')).toBe(false);
    expect(reads).toBe(1);
    forgetBotSecretNames();
  });
});
