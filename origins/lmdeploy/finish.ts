import { EcoError } from '../../schemas/errors.ts';
import type { FinishReason } from '../../schemas/openai/chat.ts';

/**
 * LMDeploy's finish reasons: `stop`/`length`/`tool_calls` are OpenAI's; `error`, `abort` and
 * `parse_error` mean the generation failed (older releases even report engine faults as a 200 with
 * `error`), so they become errors rather than a finished answer.
 */
export function lmdeployFinish(engine: string, value: unknown): FinishReason | EcoError | undefined {
  if (value === null || value === undefined) return undefined;
  if (value === 'stop' || value === 'length' || value === 'tool_calls') return value;
  return new EcoError(502, 'origin_error', `${engine}: generation ended with '${String(value)}'`);
}
