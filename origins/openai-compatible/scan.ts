import type { FinishReason, Usage } from '../../schemas/openai/chat.ts';
import { tokenCount } from '../token-count.ts';

/**
 * Light scans of one OpenAI chunk's JSON text. They avoid a JSON parse on the common content chunks;
 * only chunks that carry usage or an error are parsed in full.
 */
const NON_EMPTY_CONTENT = /"(?:content|reasoning_content|refusal|text)":\s*"(?!")/;
const TOOL_CALLS = /"tool_calls":\s*\[\s*\{/;
const FINISH = /"finish_reason":\s*"([a-z_]+)"/;
const USAGE_OBJECT = /"usage":\s*\{/;
const EMPTY_CHOICES = /"choices":\s*(?:\[\s*\]|null)/;
const MODEL_FIELD = /"model":\s*"(?:[^"\\]|\\.)*"/;

export function hasOutput(json: string): boolean {
  return NON_EMPTY_CONTENT.test(json) || TOOL_CALLS.test(json) || FINISH.test(json);
}

export function finishReason(json: string): FinishReason | undefined {
  const match = FINISH.exec(json);
  return match ? (match[1] as FinishReason) : undefined;
}

/** True for the final usage-only chunk (`choices` empty or null, `usage` an object). */
export function isUsageChunk(json: string): boolean {
  return USAGE_OBJECT.test(json) && (EMPTY_CHOICES.test(json) || !json.includes('"choices"'));
}

export function startsWithError(json: string): boolean {
  let i = 0;
  while (i < json.length && json.charCodeAt(i) <= 32) i++;
  return json.startsWith('{"error"', i) || json.startsWith('{ "error"', i);
}

export function readUsage(value: unknown): Usage | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const u = value as Record<string, unknown>;
  const prompt = tokenCount(u.prompt_tokens);
  const completion = tokenCount(u.completion_tokens);
  if (prompt === undefined || completion === undefined) return undefined;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: tokenCount(u.total_tokens) ?? prompt + completion,
  };
}

/** Put the client's model id in place of the engine-side name (first `model` key only). */
export function replaceModel(json: string, model: string): string {
  return replaceModelField(json, modelField(model));
}

/** The `"model":"…"` text that replaceModelField puts in; build it once per stream. */
export function modelField(model: string): string {
  return `"model":${JSON.stringify(model)}`;
}

export function replaceModelField(json: string, field: string): string {
  return json.replace(MODEL_FIELD, () => field);
}
