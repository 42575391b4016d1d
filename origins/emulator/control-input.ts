import { FAULT_MODES, type FaultInput } from './faults.ts';
import type { EmulatorSettings } from './types.ts';

/**
 * Checks for what the control API is sent: a typo'd field or an impossible value is a 400 naming
 * it, never silently ignored (the caller would then reproduce something else than they meant).
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/** Longest delay a Node timer honours; a longer one fires at once. */
export const MAX_DELAY_MS = 2_147_483_647;
/** The gateway's own cap on max_tokens: no answer needs to be longer. */
export const MAX_TOKENS = 1_048_576;

const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

/** A control request body: empty (no fields) or one JSON object. */
export function parseControlBody(raw: string): Checked<Record<string, unknown>> {
  if (raw.trim() === '') return { ok: true, value: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return fail('body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail('body must be a JSON object');
  }
  return { ok: true, value: parsed as Record<string, unknown> };
}

function unknownField(body: Record<string, unknown>, known: readonly string[]): string | undefined {
  const extra = Object.keys(body).find((key) => !known.includes(key));
  return extra === undefined ? undefined : `unknown field '${extra}' (known: ${known.join(', ')})`;
}

function integerIn(key: string, value: unknown, min: number, max: number): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return `${key} must be an integer from ${min} to ${max}`;
  }
  return undefined;
}

function numberIn(key: string, value: unknown, min: number, max: number): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    return `${key} must be a number from ${min} to ${max}`;
  }
  return undefined;
}

type Check = (value: unknown) => string | undefined;

const SETTINGS_CHECKS: Record<keyof EmulatorSettings, Check> = {
  // 0 streams as fast as possible; below 0.001 the gap between tokens outgrows a Node timer.
  tokensPerSecond: (v) =>
    v === 0 || numberIn('tokensPerSecond', v, 0.001, 1_000_000) === undefined
      ? undefined
      : 'tokensPerSecond must be 0 (as fast as possible) or a number from 0.001 to 1000000',
  ttftMs: (v) => numberIn('ttftMs', v, 0, MAX_DELAY_MS),
  defaultMaxTokens: (v) => integerIn('defaultMaxTokens', v, 0, MAX_TOKENS),
  answerTokens: (v) => integerIn('answerTokens', v, 0, MAX_TOKENS),
};

/** Settings to change (POST /_control/settings, ECO_EMULATOR_TPS/TTFT_MS). */
export function checkSettings(body: Record<string, unknown>): Checked<Partial<EmulatorSettings>> {
  const unknown = unknownField(body, Object.keys(SETTINGS_CHECKS));
  if (unknown) return fail(unknown);
  const value: Partial<EmulatorSettings> = {};
  for (const [key, check] of Object.entries(SETTINGS_CHECKS) as [keyof EmulatorSettings, Check][]) {
    if (body[key] === undefined) continue;
    const problem = check(body[key]);
    if (problem) return fail(problem);
    value[key] = body[key] as number;
  }
  return { ok: true, value };
}

const FAULT_FIELDS = ['engine', 'origin', 'mode', 'count', 'status', 'retryAfter', 'delayMs', 'afterTokens'];
const FAULT_NUMBERS: Record<string, [number, number]> = {
  count: [1, Number.MAX_SAFE_INTEGER],
  // An injected failure: an error status the gateway maps, never a success.
  status: [400, 599],
  retryAfter: [0, 86_400],
  delayMs: [0, MAX_DELAY_MS],
  afterTokens: [0, MAX_TOKENS],
};

/** A fault to inject (POST /_control/faults), for the emulator's engines and origins. */
export function checkFault(
  body: Record<string, unknown>,
  origins: readonly { id: string; engine: string }[],
): Checked<FaultInput> {
  const unknown = unknownField(body, FAULT_FIELDS);
  if (unknown) return fail(unknown);
  if (typeof body.engine !== 'string' || !origins.some((o) => o.engine === body.engine)) {
    return fail(`engine must be one of ${[...new Set(origins.map((o) => o.engine))].join(', ')}`);
  }
  if (body.origin !== undefined && !origins.some((o) => o.id === body.origin && o.engine === body.engine)) {
    return fail(`no origin '${String(body.origin)}' for engine '${body.engine}'`);
  }
  if (!FAULT_MODES.includes(body.mode as never)) return fail(`mode must be one of ${FAULT_MODES.join(', ')}`);
  for (const [key, [min, max]] of Object.entries(FAULT_NUMBERS)) {
    if (body[key] === undefined) continue;
    const problem = integerIn(key, body[key], min, max);
    if (problem) return fail(problem);
  }
  return { ok: true, value: body as unknown as FaultInput };
}
