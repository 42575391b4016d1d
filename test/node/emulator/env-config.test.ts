import { describe, expect, it } from 'vitest';
import { emulatorEnv } from '../../../origins/emulator/env-config.ts';

describe('emulator environment', () => {
  it('reads ports, origins and pacing', () => {
    const env = emulatorEnv({
      ECO_EMULATOR_PORT: '0',
      ECO_EMULATOR_ORIGINS: 'vllm:2,tgi',
      ECO_EMULATOR_TPS: '0',
    });
    expect(env.controlPort).toBe(0);
    expect(env.origins.map((o) => o.id)).toEqual(['vllm-1', 'vllm-2', 'tgi-1']);
    expect(env.settings).toEqual({ tokensPerSecond: 0 });
  });

  it.each([
    [{ ECO_EMULATOR_PORT: 'abc' }, /ECO_EMULATOR_PORT="abc"/],
    [{ ECO_EMULATOR_PORT: '65536' }, /ECO_EMULATOR_PORT/],
    [{ ECO_EMULATOR_ORIGINS: 'vllm:x' }, /ECO_EMULATOR_ORIGINS: 'vllm:x'/],
    [{ ECO_EMULATOR_ORIGINS: 'vllmm:1' }, /unknown engine 'vllmm'/],
    [{ ECO_EMULATOR_TPS: 'fast' }, /ECO_EMULATOR_TPS: tokensPerSecond/],
    [{ ECO_EMULATOR_TTFT_MS: '-1' }, /ECO_EMULATOR_TTFT_MS: ttftMs/],
  ])('refuses %j', (env, message) => {
    expect(() => emulatorEnv(env)).toThrow(message);
  });
});
