import { checkSettings } from './control-input.ts';
import { emulatedEngines } from './engines/index.ts';
import { defaultOrigins, type OriginSpec } from './server.ts';
import type { EmulatorSettings } from './types.ts';

/**
 * `npm run emulator`'s environment, checked before it listens: a bad value is one clear line naming
 * the variable, not a stack trace or a silently different emulator.
 */
export interface EmulatorEnv {
  controlPort: number;
  origins: OriginSpec[];
  settings: Partial<EmulatorSettings>;
}

/** ECO_EMULATOR_PORT: 1–65535, or 0 for any free port (the announced controlUrl says which). */
function controlPort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 8790;
  const port = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new Error(`ECO_EMULATOR_PORT=${JSON.stringify(raw)} is not a port: use a number from 1 to 65535`);
  }
  return port;
}

/** ECO_EMULATOR_ORIGINS: `vllm:2,tgi:1`, known engines, counts from 1 to 64. */
function origins(raw: string | undefined): OriginSpec[] {
  if (!raw) return defaultOrigins();
  const engines = emulatedEngines.map((e) => e.protocol);
  const specs: OriginSpec[] = [];
  for (const part of raw.split(',')) {
    if (!part.trim()) continue;
    const [engine = '', count = '1', ...rest] = part.trim().split(':');
    if (!engines.includes(engine)) {
      throw new Error(`ECO_EMULATOR_ORIGINS: unknown engine '${engine}' (known: ${engines.join(', ')})`);
    }
    const n = /^\d+$/.test(count) ? Number(count) : Number.NaN;
    if (rest.length > 0 || !(n >= 1 && n <= 64)) {
      throw new Error(
        `ECO_EMULATOR_ORIGINS: '${part.trim()}' must be <engine> or <engine>:<count from 1 to 64>`,
      );
    }
    for (let i = 1; i <= n; i++) specs.push({ engine, id: `${engine}-${i}` });
  }
  if (specs.length === 0) throw new Error('ECO_EMULATOR_ORIGINS names no origin');
  return specs;
}

/** ECO_EMULATOR_TPS / ECO_EMULATOR_TTFT_MS, within the control API's limits. */
function settings(env: Record<string, string | undefined>): Partial<EmulatorSettings> {
  const body: Record<string, unknown> = {};
  const vars = { tokensPerSecond: 'ECO_EMULATOR_TPS', ttftMs: 'ECO_EMULATOR_TTFT_MS' } as const;
  for (const [key, variable] of Object.entries(vars)) {
    const raw = env[variable];
    if (raw !== undefined && raw !== '') body[key] = raw.trim() === '' ? Number.NaN : Number(raw);
  }
  const checked = checkSettings(body);
  if (!checked.ok) {
    const [key] = checked.error.split(' ');
    throw new Error(`${vars[key as keyof typeof vars]}: ${checked.error}`);
  }
  return checked.value;
}

export function emulatorEnv(env: Record<string, string | undefined>): EmulatorEnv {
  return {
    controlPort: controlPort(env.ECO_EMULATOR_PORT),
    origins: origins(env.ECO_EMULATOR_ORIGINS),
    settings: settings(env),
  };
}
