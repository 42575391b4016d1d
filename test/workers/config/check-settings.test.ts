import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { conversationConfig } from '../../../durable-objects/conversation/config.ts';
import { jobSettings } from '../../../durable-objects/job-queue/config.ts';
import { checkSettings, readSettings } from '../../../workers/config/check-settings.ts';
import { SETTINGS, type SettingName } from '../../../workers/config/settings.ts';

// Reading an unusable value logs it; these tests look at what is read, not at the log.
beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => vi.restoreAllMocks());

const problemOf = (vars: Record<string, unknown>) => checkSettings(vars).map((p) => p.problem);

describe('the settings table', () => {
  it('reads an env without any setting as every default, with no problem', () => {
    const { values, problems } = readSettings({});
    expect(problems).toEqual([]);
    for (const [name, setting] of Object.entries(SETTINGS)) {
      expect(values[name as SettingName], name).toBe(setting.default);
    }
  });

  it('holds defaults inside their own ranges, and fallbacks too', () => {
    for (const [name, setting] of Object.entries(SETTINGS)) {
      if (setting.kind === 'whole' || setting.kind === 'decimal') {
        for (const value of [setting.default, setting.unusable ?? setting.default]) {
          expect(value, name).toBeGreaterThanOrEqual(setting.min);
          expect(value, name).toBeLessThanOrEqual(setting.max);
        }
        expect(setting.min, name).toBeLessThanOrEqual(setting.max);
      }
      if (setting.kind === 'word') expect(setting.words, name).toContain(setting.default);
    }
  });

  it('accepts the vars wrangler.toml ships, as strings or as TOML numbers and booleans', () => {
    const shipped = {
      ECO_ENVIRONMENT: 'production',
      ECO_KEY_CACHE_TTL_MS: '5000',
      ECO_MAX_BODY_BYTES: '1048576',
      ECO_DOCS_ENABLED: 'false',
      ECO_JOB_RETENTION_HOURS: '168',
      ECO_IM_CHAT_RATE_PER_MIN: '20',
      ECO_LIMIT_RESERVATION_TTL_MS: '600000',
      ECO_USAGE_RETENTION_DAYS: '90',
    };
    expect(checkSettings(shipped)).toEqual([]);
    const typed = { ECO_JOB_SHARDS: 2, ECO_DOCS_ENABLED: false, ECO_JOB_RETENTION_HOURS: 0.5 };
    const { values, problems } = readSettings(typed);
    expect(problems).toEqual([]);
    expect([values.ECO_JOB_SHARDS, values.ECO_DOCS_ENABLED, values.ECO_JOB_RETENTION_HOURS]).toEqual([
      2,
      false,
      0.5,
    ]);
  });

  it('trims blanks around a value and reads a blank var as unset', () => {
    const { values, problems } = readSettings({ ECO_JOB_SHARDS: ' 8 ', ECO_STREAM_HOLD_MS: '   ' });
    expect(problems).toEqual([]);
    expect(values.ECO_JOB_SHARDS).toBe(8);
    expect(values.ECO_STREAM_HOLD_MS).toBe(5000);
  });
});

describe('an unusable value', () => {
  it.each([
    [
      'ECO_KEY_CACHE_TTL_MS',
      '10s',
      "is '10s', not a whole number of milliseconds from 0 to 3,600,000; 5,000 is used",
    ],
    [
      'ECO_LIMIT_RESERVATION_TTL_MS',
      '0',
      "is '0', not a whole number of milliseconds from 60,000 to 86,400,000",
    ],
    [
      'ECO_AUTH_FAILURES_PER_MIN',
      '-1',
      "is '-1', not a whole number of failures from 0 to 100,000; 60 is used",
    ],
    ['ECO_JOB_CONCURRENCY', '10', "is '10', not a whole number of jobs from 1 to 6; 4 is used"],
    ['ECO_JOB_SHARDS', '2.5', "is '2.5', not a whole number of shards from 1 to 256"],
    ['ECO_JOB_SHARDS', '0x10', "is '0x10', not a whole number"],
    ['ECO_JOB_SHARDS', '1e2', "is '1e2', not a whole number"],
    ['ECO_JOB_SHARDS', 4.5, 'is 4.5, not a whole number'],
    ['ECO_STREAM_HOLD_MS', 'Infinity', "is 'Infinity', not a whole number"],
    ['ECO_IM_MODEL_TIMEOUT_MS', '500', "is '500', not a whole number of milliseconds from 1,000 to 600,000"],
    ['ECO_JOB_RETENTION_HOURS', '0', "is '0', not a number of hours from 0.001 to 8,760; 8,760 is used"],
    ['ECO_USAGE_RETENTION_DAYS', '90d', "is '90d', not a whole number of days from 0 to 36,500; 0 is used"],
    ['ECO_DOCS_ENABLED', 'no', "is 'no', not true or false; false is used"],
    ['ECO_CORS_CREDENTIALS', '1', "is '1', not true or false; false is used"],
    ['ECO_ENVIRONMENT', 'prod', "is 'prod', not one of development, staging, production; production is used"],
    ['ECO_ENVIRONMENT', 'Development', "is 'Development', not one of development"],
  ])('%s=%j is named with what is wrong and what is used instead', (name, raw, says) => {
    const problems = checkSettings({ [name]: raw });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.name).toBe(name);
    expect(problems[0]!.problem).toContain(`${name} ${says}`);
    expect(problems[0]!.problem).toMatch(/until it is corrected$/);
  });

  it('runs with the fallback, never a clamped or nearby value', () => {
    const { values } = readSettings({
      ECO_JOB_CONCURRENCY: '10',
      ECO_JOB_MAX_PENDING: '0',
      ECO_IM_MODEL_TIMEOUT_MS: '500',
      ECO_USAGE_RETENTION_DAYS: '-1',
      ECO_JOB_RETENTION_HOURS: '168h',
      ECO_DOCS_ENABLED: 'False ',
      ECO_ENVIRONMENT: 'dev',
    });
    expect(values.ECO_JOB_CONCURRENCY).toBe(4);
    expect(values.ECO_JOB_MAX_PENDING).toBe(100_000);
    expect(values.ECO_IM_MODEL_TIMEOUT_MS).toBe(120_000);
    // Settings that delete data delete nothing more while unusable.
    expect(values.ECO_USAGE_RETENTION_DAYS).toBe(0);
    expect(values.ECO_JOB_RETENTION_HOURS).toBe(8760);
    // `False` is read as false: the words are not case-sensitive.
    expect(values.ECO_DOCS_ENABLED).toBe(false);
    expect(values.ECO_ENVIRONMENT).toBe('production');
  });

  it('never repeats a value that could be a secret pasted into the wrong variable', () => {
    const secret = 'sk-live-0123456789abcdefghijklmnop';
    const problems = problemOf({
      ECO_JOB_SHARDS: secret,
      ECO_DOCS_ENABLED: 'hunter2 hunter2',
      ECO_STREAM_HOLD_MS: { a: 1 },
    });
    expect(problems).toEqual([
      expect.stringMatching(/^ECO_STREAM_HOLD_MS is an object, not /),
      expect.stringMatching(/^ECO_DOCS_ENABLED is a value, not /),
      expect.stringMatching(/^ECO_JOB_SHARDS is a value, not /),
    ]);
    for (const problem of problems) {
      expect(problem).not.toContain('sk-live');
      expect(problem).not.toContain('hunter2');
    }
  });

  it('lists every unusable setting at once, in the table order', () => {
    const names = checkSettings({
      ECO_JOB_SHARDS: 'x',
      ECO_KEY_CACHE_TTL_MS: 'y',
      ECO_STREAM_HOLD_MS: '1',
    }).map((p) => p.name);
    expect(names).toEqual(['ECO_KEY_CACHE_TTL_MS', 'ECO_JOB_SHARDS']);
  });

  it('is any text that is not plain digits, for a whole-number setting', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (text) => {
        const { values, problems } = readSettings({ ECO_JOB_MAX_ATTEMPTS: text });
        const plain = /^\s*\d{1,16}\s*$/.test(text) && Number(text) >= 1 && Number(text) <= 20;
        if (text.trim() === '') return problems.length === 0 && values.ECO_JOB_MAX_ATTEMPTS === 4;
        return plain
          ? problems.length === 0 && values.ECO_JOB_MAX_ATTEMPTS === Number(text)
          : problems.length === 1 && values.ECO_JOB_MAX_ATTEMPTS === 4;
      }),
    );
  });
});

describe('a misspelt setting name', () => {
  it.each([
    ['ECO_KEY_CACHE_TTL', 'ECO_KEY_CACHE_TTL_MS'],
    ['ECO_KEY_CACHE_TTL_SECONDS', 'ECO_KEY_CACHE_TTL_MS'],
    ['ECO_USAGE_RETENTION_HOURS', 'ECO_USAGE_RETENTION_DAYS'],
    ['ECO_JOB_SHARD', 'ECO_JOB_SHARDS'],
    ['eco_job_shards', 'ECO_JOB_SHARDS'],
    ['ECO_STREAM_HOLD_SM', 'ECO_STREAM_HOLD_MS'],
    ['ECO_IM_MAX_ATTEMPT', 'ECO_IM_MAX_ATTEMPTS'],
  ])('%s is named, with the setting it probably means (%s)', (name, meant) => {
    expect(checkSettings({ [name]: '4' })).toEqual([
      { name, problem: `${name} is not a setting the gateway reads; did you mean ${meant}?` },
    ]);
  });

  it('is told apart from the names of secrets and text settings', () => {
    const vars = {
      ECO_IM_TEST_SECRET: 's',
      ECO_IM_DEV_TELEGRAM_ACCESS_TOKEN: 't',
      ECO_CORS_ORIGINS: '*',
      ECO_JWT_TOKEN_TTL_S: '900',
      ECO_JWT_MAX_BYTES: '4096',
      ECO_LINE_API_BASE: 'https://api.line.me',
      ECO_JOB_CALLBACK_SECRET: 'c',
      MY_ORIGIN_TOKEN: 'x',
    };
    expect(checkSettings(vars)).toEqual([]);
  });
});

describe('the objects that read the settings', () => {
  it('take a TOML number as written (it used to be ignored for the default)', () => {
    expect(jobSettings({ ECO_JOB_SHARDS: 1 }).shards).toBe(1);
    expect(jobSettings({ ECO_JOB_ATTEMPT_TIMEOUT_S: 30 }).attemptTimeoutMs).toBe(30_000);
    expect(conversationConfig({ ECO_IM_MAX_ATTEMPTS: 2 }).maxAttempts).toBe(2);
  });

  it('run with the fallback, not a value clamped into range', () => {
    expect(conversationConfig({ ECO_IM_MODEL_TIMEOUT_MS: '500' }).modelTimeoutMs).toBe(120_000);
    expect(jobSettings({ ECO_JOB_CONCURRENCY: '12' }).concurrency).toBe(4);
    expect(jobSettings({ ECO_JOB_RETENTION_HOURS: 'a week' }).retentionMs).toBe(8760 * 3_600_000);
  });
});
