import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { BotCache } from '../../../workers/im/bot-cache.ts';
import type { BotConfig } from '../../../workers/im/types.ts';
import { callWithVars } from '../identity/helpers.ts';

/** The gateway's D1, recording every statement prepared on it. */
function recordingDb(statements: string[]): D1Database {
  const real = env.DB;
  return new Proxy(real, {
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
}

async function webhook(method: 'GET' | 'POST', platform: string, botId: string) {
  const statements: string[] = [];
  const res = await callWithVars(
    { DB: recordingDb(statements) },
    `/webhooks/${platform}/${botId}`,
    null,
    method === 'POST' ? { method, body: {} } : { method },
  );
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, body, botReads: statements.filter((sql) => /\bbots\b/.test(sql)).length };
}

describe('webhooks for ids no bot can have', () => {
  it.each([
    ['too long', 'w'.repeat(257)],
    ['a space', 'wbl%20bot'],
    ['a control character', 'wbl%01bot'],
    ['a non-ASCII letter', 'wbl-b%C3%B6t'],
  ])('answer 404 bot_not_found without a lookup: %s', async (_, id) => {
    for (const method of ['POST', 'GET'] as const) {
      const res = await webhook(method, 'telegram', id);
      expect({ status: res.status, code: res.body.error.code }).toEqual({
        status: 404,
        code: 'bot_not_found',
      });
      expect(res.botReads).toBe(0);
    }
  });

  it.each([
    ['a dot', 'wbl.bot'],
    ['a leading dash', '-wbl-bot'],
    ['65 characters', 'w'.repeat(65)],
  ])(
    'look up an id outside the rule for new bots, which a row written by SQL may have: %s',
    async (_, id) => {
      const res = await webhook('POST', 'telegram', id);
      expect(res.status).toBe(404);
      expect(res.botReads).toBe(1);
    },
  );

  it('look up a well-formed id, which may name a bot', async () => {
    const res = await webhook('POST', 'line', `wbl-unknown-${crypto.randomUUID()}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('bot_not_found');
    expect(res.botReads).toBe(1);
  });
});

describe('BotCache', () => {
  const bot = { platform: 'telegram', id: 'wbl-real' } as BotConfig;

  it('keeps a bot however many unknown ids are looked up after it', () => {
    const cache = new BotCache(10_000, 2, 4, () => 0);
    cache.set('telegram:wbl-real', bot);
    for (let i = 0; i < 1000; i++) cache.set(`telegram:wbl-miss-${i}`, null);
    expect(cache.get('telegram:wbl-real')).toBe(bot);
    // Misses are remembered, in a table of their own that keeps the newest.
    expect(cache.get('telegram:wbl-miss-999')).toBeNull();
    expect(cache.get('telegram:wbl-miss-0')).toBeUndefined();
  });

  it('forgets bots and misses on clear, and after the TTL', () => {
    let now = 0;
    const cache = new BotCache(1000, 2, 2, () => now);
    cache.set('line:wbl-real', bot);
    cache.set('line:wbl-gone', null);
    now = 999;
    expect(cache.get('line:wbl-real')).toBe(bot);
    expect(cache.get('line:wbl-gone')).toBeNull();
    now = 1000;
    expect(cache.get('line:wbl-real')).toBeUndefined();
    expect(cache.get('line:wbl-gone')).toBeUndefined();
    cache.set('line:wbl-real', bot);
    cache.clear();
    expect(cache.get('line:wbl-real')).toBeUndefined();
  });
});
