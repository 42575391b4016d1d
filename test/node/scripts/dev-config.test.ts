import { describe, expect, it } from 'vitest';
import { apiKeyProblem } from '../../../scripts/lib/api-key-format.mjs';
import { devConfig } from '../../../scripts/lib/dev-config.mjs';
import { originOnPort, parsePort } from '../../../scripts/lib/ports.mjs';

describe('dev ports', () => {
  it('takes 1–65535 and the default when unset', () => {
    expect(parsePort('ECO_GATEWAY_PORT', undefined, 8787)).toBe(8787);
    expect(parsePort('ECO_GATEWAY_PORT', '18900', 8787)).toBe(18900);
    expect(parsePort('ECO_GATEWAY_PORT', '65535', 8787)).toBe(65535);
  });

  it.each(['abc', '0', '65536', '-1', '8787.5', '1e3', '0x50', ' ', '80 81'])(
    'refuses %j naming the variable',
    (raw) => {
      expect(() => parsePort('ECO_EMULATOR_PORT', raw, 8790)).toThrow(/ECO_EMULATOR_PORT=.* 1 to 65535/);
    },
  );
});

describe('an emulated origin on the gateway port', () => {
  it('is found by its URL port', () => {
    const origins = [
      { id: 'vllm-1', url: 'http://127.0.0.1:41000' },
      { id: 'tgi-1', url: 'http://127.0.0.1:41001' },
    ];
    expect(originOnPort(origins, 41001)?.id).toBe('tgi-1');
    expect(originOnPort(origins, 4100)).toBeUndefined();
  });
});

describe('dev API key', () => {
  const good = `eco_sk_dev_${'a'.repeat(32)}`;

  it('accepts keys of the gateway format, generated ones included', () => {
    expect(apiKeyProblem(good)).toBeUndefined();
    expect(apiKeyProblem(devConfig({}, '/r/').apiKey)).toBeUndefined();
  });

  it.each([
    ['short', 'eco_sk_short'],
    ['no prefix', 'a'.repeat(48)],
    ['whitespace', `eco_sk_ ${'a'.repeat(40)}`],
    ['JWT-shaped', `eco_sk_${'a'.repeat(20)}.b.c`],
    ['internal token', `eco_int.${'a'.repeat(40)}`],
    ['too long', `eco_sk_${'a'.repeat(8200)}`],
  ])('refuses a %s key', (_name, key) => {
    expect(apiKeyProblem(key)).toBeTypeOf('string');
    expect(() => devConfig({ ECO_DEV_API_KEY: key }, '/r/')).toThrow(/^ECO_DEV_API_KEY /m);
  });
});

describe('devConfig', () => {
  it('reports every problem at once', () => {
    expect(() =>
      devConfig({ ECO_GATEWAY_PORT: 'x', ECO_EMULATOR_PORT: '70000', ECO_DEV_API_KEY: 'k' }, '/r/'),
    ).toThrow(/ECO_GATEWAY_PORT[\s\S]*ECO_EMULATOR_PORT[\s\S]*ECO_DEV_API_KEY/);
  });

  it('refuses the same port for the gateway and the emulator', () => {
    expect(() => devConfig({ ECO_GATEWAY_PORT: '9000', ECO_EMULATOR_PORT: '9000' }, '/r/')).toThrow(
      /both 9000/,
    );
  });

  it('keeps the defaults', () => {
    const config = devConfig({}, '/r/');
    expect(config).toMatchObject({ gatewayPort: 8787, emulatorPort: 8790, persistDir: '/r/.wrangler/state' });
  });

  it('passes ECO_DEV_VARS items on as wrangler --var values, a colon in the value included', () => {
    const config = devConfig(
      { ECO_DEV_VARS: ' ECO_JOB_SHARDS:1\nECO_CORS_ORIGINS:http://localhost:5173 ' },
      '/r/',
    );
    expect(config.extraVars).toEqual(['ECO_JOB_SHARDS:1', 'ECO_CORS_ORIGINS:http://localhost:5173']);
  });

  // wrangler reads `NAME=1` as a var named `NAME=1` and `NAME` as an empty one: the setting never applies.
  it.each(['ECO_JOB_SHARDS=1', 'ECO_JOB_SHARDS', ':1', '1X:1', 'EC-O:1'])(
    'refuses the ECO_DEV_VARS item %j, naming it',
    (item) => {
      expect(() => devConfig({ ECO_DEV_VARS: `ECO_IM_CHAT_BURST:9 ${item}` }, '/r/')).toThrow(
        `ECO_DEV_VARS item ${JSON.stringify(item)} is not NAME:value (e.g. ECO_JOB_SHARDS:1)`,
      );
    },
  );

  it('takes the log levels wrangler takes, and refuses others before anything starts', () => {
    expect(devConfig({}, '/r/').logLevel).toBe('warn');
    for (const level of ['debug', 'info', 'log', 'warn', 'error', 'none']) {
      expect(devConfig({ ECO_LOG_LEVEL: level }, '/r/').logLevel).toBe(level);
    }
    expect(() => devConfig({ ECO_LOG_LEVEL: 'verbose' }, '/r/')).toThrow(
      'ECO_LOG_LEVEL="verbose" is not a wrangler log level: use debug, info, log, warn, error or none',
    );
  });
});
