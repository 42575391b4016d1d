import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../../workers/app.ts';
import { checkSettings, readSettings } from '../../../workers/config/check-settings.ts';
import type { Env } from '../../../workers/env.ts';
import { apiBase } from '../../../workers/im/bots.ts';
import type { BotConfig, Platform } from '../../../workers/im/types.ts';

beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

const app = createApp();

async function call(vars: Record<string, unknown>, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.request(path, init, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const preflight = (origin: string) => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': 'GET' },
});

describe('ECO_CORS_ORIGINS', () => {
  it('reads exact origins as the browser sends them: scheme and host in lower case, default port left out', () => {
    const { values, problems } = readSettings({
      ECO_CORS_ORIGINS: ' https://App.Example.com , http://localhost:5173,https://api.test:443,, ',
    });
    expect(problems).toEqual([]);
    expect(values.ECO_CORS_ORIGINS).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
      'https://api.test',
    ]);
  });

  it('allows every origin for `*` alone, and nothing when unset or blank', () => {
    expect(readSettings({ ECO_CORS_ORIGINS: '*' }).values.ECO_CORS_ORIGINS).toEqual(['*']);
    expect(readSettings({}).values.ECO_CORS_ORIGINS).toEqual([]);
    expect(readSettings({ ECO_CORS_ORIGINS: '  ' }).values.ECO_CORS_ORIGINS).toEqual([]);
  });

  it('takes a TOML list of origins as a comma list', () => {
    const { values, problems } = readSettings({ ECO_CORS_ORIGINS: ['https://a.test', 'https://b.test'] });
    expect(problems).toEqual([]);
    expect(values.ECO_CORS_ORIGINS).toEqual(['https://a.test', 'https://b.test']);
  });

  it.each([
    ['app.example.com', 'entry 1 has no scheme'],
    ['https://app.example.com/app', 'entry 1 (https://app.example.com) has a path'],
    ['https://app.example.com?x=1', 'entry 1 (https://app.example.com) has a query or fragment'],
    ['https://app.example.com#top', 'entry 1 (https://app.example.com) has a query or fragment'],
    ['https://*.example.com', 'entry 1 (https://*.example.com) has a wildcard'],
    ['https://app.*', 'entry 1 (https://app.*) has a wildcard'],
    ['*.example.com', 'entry 1 has a wildcard'],
    ['null', 'entry 1 is null'],
    ['https://user:pw@app.example.com', 'entry 1 has a user name or password'],
    ['ftp://files.example.com', 'entry 1 (ftp://files.example.com) is not an http or https origin'],
    ['https://', 'entry 1 (https://) is not an origin'],
    ['https://app.example.com:99999', 'entry 1 (https://app.example.com:99999) is not an origin'],
  ])('drops %j and names it, never widening access', (entry, says) => {
    const { values, problems } = readSettings({ ECO_CORS_ORIGINS: `${entry}, https://ok.test` });
    expect(values.ECO_CORS_ORIGINS).toEqual(['https://ok.test']);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.name).toBe('ECO_CORS_ORIGINS');
    expect(problems[0]!.problem).toContain(`ECO_CORS_ORIGINS ${says}`);
    expect(problems[0]!.problem).toMatch(/only https:\/\/ok\.test is allowed until it is corrected$/);
  });

  it('allows no origin at all while every entry is unusable', () => {
    const { values, problems } = readSettings({ ECO_CORS_ORIGINS: 'https://*.a.test, a.test' });
    expect(values.ECO_CORS_ORIGINS).toEqual([]);
    expect(problems[0]!.problem).toMatch(/no browser origin is allowed until it is corrected$/);
  });

  it('keeps an origin written with a trailing slash, and still says how to write it', () => {
    const { values, problems } = readSettings({ ECO_CORS_ORIGINS: 'https://app.test/' });
    expect(values.ECO_CORS_ORIGINS).toEqual(['https://app.test']);
    expect(problems.map((p) => p.problem)).toEqual([
      'ECO_CORS_ORIGINS entry 1 (https://app.test) ends in a slash; only https://app.test is allowed until it is corrected',
    ]);
  });

  it('never repeats what could be a secret pasted into it', () => {
    const [problem] = checkSettings({
      ECO_CORS_ORIGINS: 'eco_sk_live_0123456789abcdef, https://u:hunter2@a.test, https://a.test/?k=sk-secret',
    });
    expect(problem!.problem).not.toMatch(/eco_sk_live|hunter2|sk-secret/);
  });

  it('is not a wildcard for any list other than `*` alone', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 30 }), { maxLength: 5 }), (entries) => {
        const { values } = readSettings({ ECO_CORS_ORIGINS: entries.join(',') });
        const origins = values.ECO_CORS_ORIGINS;
        // Entries may hold commas themselves: the setting is split as the gateway splits it.
        const star = entries
          .join(',')
          .split(',')
          .some((e) => e.trim() === '*');
        return (
          origins.includes('*') === star &&
          origins.every((o) => o === '*' || /^https?:\/\/[a-z0-9.\-[\]:]+$/.test(o))
        );
      }),
    );
  });

  it('makes GET /ready answer 503 naming an entry it cannot use', async () => {
    const res = await call({ ECO_CORS_ORIGINS: 'https://app.test, app2.test' }, '/ready');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: { settings: { problems: { name: string }[] } } };
    expect(body.checks.settings.problems.map((p) => p.name)).toEqual(['ECO_CORS_ORIGINS']);
  });

  it('answers a preflight from an origin listed with its default port or in capitals', async () => {
    const res = await call(
      { ECO_CORS_ORIGINS: 'HTTPS://App.Test:443' },
      '/v1/models',
      preflight('https://app.test'),
    );
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.test');
  });

  it('refuses a preflight from an origin whose listed entry was dropped', async () => {
    const vars = { ECO_CORS_ORIGINS: 'https://*.app.test, https://ok.test' };
    const res = await call(vars, '/v1/models', preflight('https://x.app.test'));
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect((await call(vars, '/v1/models', preflight('https://ok.test'))).status).toBe(204);
  });
});

const bot = (platform: Platform, own: string | null = null): BotConfig =>
  ({ platform, id: 'b', apiBase: own }) as unknown as BotConfig;

describe('the ECO_*_API_BASE settings', () => {
  const names = [
    ['telegram', 'ECO_TELEGRAM_API_BASE', 'https://api.telegram.org'],
    ['whatsapp', 'ECO_WHATSAPP_API_BASE', 'https://graph.facebook.com/v23.0'],
    ['line', 'ECO_LINE_API_BASE', 'https://api.line.me'],
    ['messenger', 'ECO_MESSENGER_API_BASE', 'https://graph.facebook.com/v23.0'],
  ] as const;

  it.each(names)(
    "%s: is the public API when unset, the var when set, the bot's own above both",
    (platform, name, fallback) => {
      expect(apiBase({ ...env } as Env, bot(platform))).toBe(fallback);
      const vars = { ...env, [name]: 'http://127.0.0.1:9/fake/v1/' } as unknown as Env;
      expect(apiBase(vars, bot(platform))).toBe('http://127.0.0.1:9/fake/v1');
      expect(apiBase(vars, bot(platform, 'https://own.test'))).toBe('https://own.test');
      expect(checkSettings({ [name]: 'http://127.0.0.1:9/fake/v1/' })).toEqual([]);
    },
  );

  it.each([
    ['api.telegram.org', 'it has no scheme'],
    ['/telegram', 'it has no scheme'],
    ['ftp://api.telegram.org', 'its scheme is not http or https'],
    ['https://proxy.test/tg?key=1', 'it has a query or fragment'],
    ['https://proxy.test/tg#x', 'it has a query or fragment'],
    ['https://u:p@proxy.test', 'it has a user name or password'],
    ['https://', 'it does not parse'],
    ['https://a b.test', 'it does not parse'],
    [42, 'it is not text'],
  ])('%j is reported and the public API is used meanwhile', (raw, says) => {
    const vars = { ...env, ECO_TELEGRAM_API_BASE: raw } as unknown as Env;
    expect(apiBase(vars, bot('telegram'))).toBe('https://api.telegram.org');
    const problems = checkSettings({ ECO_TELEGRAM_API_BASE: raw });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.problem).toBe(
      `ECO_TELEGRAM_API_BASE is not an absolute http(s) URL without query or fragment (${says}); https://api.telegram.org is used until it is corrected`,
    );
  });

  it('never repeats the URL, which may carry a token', () => {
    const [problem] = checkSettings({ ECO_LINE_API_BASE: 'https://proxy.test/secret-path?token=abc123' });
    expect(problem!.problem).not.toMatch(/secret-path|abc123|proxy\.test/);
  });

  it('makes GET /ready answer 503 naming it', async () => {
    const res = await call({ ECO_WHATSAPP_API_BASE: 'graph.facebook.com/v23.0' }, '/ready');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: { settings: { problems: { name: string }[] } } };
    expect(body.checks.settings.problems.map((p) => p.name)).toEqual(['ECO_WHATSAPP_API_BASE']);
  });
});
