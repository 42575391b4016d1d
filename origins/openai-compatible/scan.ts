import type { Usage } from '../../schemas/openai/chat.ts';
import { tokenCount } from '../token-count.ts';
import { readUsageDetails } from '../usage-details.ts';

/**
 * Light scans of one OpenAI chunk's JSON text. They avoid a JSON parse on the common content chunks;
 * only chunks that carry usage or an error are parsed in full.
 */
// `reasoning` is vLLM's newer name for `reasoning_content` (and Ollama's `/v1` name).
const NON_EMPTY_TEXT = /"(content|reasoning_content|reasoning|refusal|text)":\s*"(?!")/;
const TOOL_CALLS = /"tool_calls":\s*\[\s*\{/;
const FINISH = /"finish_reason":\s*"([a-z_]+)"/;
const USAGE_OBJECT = /"usage":\s*\{/;
const EMPTY_CHOICES = /"choices":\s*(?:\[\s*\]|null)/;
const MODEL_FIELD = /"model":\s*"(?:[^"\\]|\\.)*"/;

export function hasOutput(json: string): boolean {
  return outputAfterText(json, firstTextField(json));
}

/** The key of the chunk's first non-empty text field (`content`, `reasoning`, …), if any. */
export function firstTextField(json: string): string | undefined {
  const match = NON_EMPTY_TEXT.exec(json);
  return match ? match[1] : undefined;
}

/** `hasOutput` when `firstTextField` is already known. */
export function outputAfterText(json: string, field: string | undefined): boolean {
  return field !== undefined || TOOL_CALLS.test(json) || FINISH.test(json);
}

/** The chunk's finish reason as the engine wrote it (any lowercase word, OpenAI's or not). */
export function finishReason(json: string): string | undefined {
  const match = FINISH.exec(json);
  return match ? match[1] : undefined;
}

export const OPENAI_FINISH_REASONS: ReadonlySet<string> = new Set([
  'stop',
  'length',
  'tool_calls',
  'content_filter',
  'function_call',
]);

/** Engine values that say the generation failed (vLLM, SGLang, LMDeploy), never that it finished. */
export const FAILED_FINISH_REASONS: ReadonlySet<string> = new Set(['abort', 'error', 'parse_error']);

/** The chunk with its finish reason replaced by `stop`, for values outside OpenAI's set. */
export function withStopFinish(json: string): string {
  return json.replace(FINISH, '"finish_reason":"stop"');
}

/** The chunk has a `usage` object, on a usage-only chunk or (some engines) on a content chunk. */
export function carriesUsage(json: string): boolean {
  return USAGE_OBJECT.test(json);
}

/** For a chunk that carriesUsage: it is the final usage-only chunk (`choices` empty, null or absent). */
export function isUsageOnly(json: string): boolean {
  return EMPTY_CHOICES.test(json) || !json.includes('"choices"');
}

/**
 * One SSE event the relay may pass on with only its `model` replaced, without decoding it: exactly
 * `data: {…}\n\n`, a non-empty `content`, a null or absent finish reason and usage, no tool calls or
 * error, and the plain `"model":"…"` form without escapes. Anything else, however valid, takes the
 * full path, which gives the same output for these events.
 */
export function isPlainContentEvent(text: string): boolean {
  const n = text.length;
  if (n < 12 || !text.startsWith('data: {') || text.charCodeAt(n - 3) !== 125) return false;
  // One line: a lone CR would be a line break to the client's SSE parser but not to ours.
  if (text.indexOf('\n') !== n - 2 || text.charCodeAt(n - 1) !== 10 || text.includes('\r')) return false;
  if (text.includes('"error"') || text.includes('"tool_calls"') || hasReasoningKey(text)) return false;
  if (!absentOrNull(text, '"finish_reason"') || !absentOrNull(text, '"usage"')) return false;
  if (!hasPlainContentText(text)) return false;
  // The first `"model"` must be the plain key, so that it is the one the full path would replace.
  const model = text.indexOf('"model"');
  if (model === -1 || !text.startsWith('"model":"', model)) return false;
  const end = text.indexOf('"', model + 9);
  return end !== -1 && text.lastIndexOf('\\', end) < model + 9;
}

/**
 * The chunk may carry vLLM's `reasoning` key (never matches `reasoning_content`), which clients only
 * read as `reasoning_content`: such a chunk is parsed and renamed, whatever else it carries.
 */
export function hasReasoningKey(text: string): boolean {
  return text.includes('"reasoning"');
}

/** A non-empty `"content":"…"` in the compact form a plain content event needs. */
function hasPlainContentText(text: string): boolean {
  const content = text.indexOf('"content":"');
  return content !== -1 && text.charCodeAt(content + 11) !== 34;
}

/** `replaceModelField` for an event `isPlainContentEvent` accepted: its plain key needs no regex. */
export function replacePlainModelField(text: string, field: string): string {
  const start = text.indexOf('"model":"');
  const end = text.indexOf('"', start + 9);
  return text.slice(0, start) + field + text.slice(end + 1);
}

/** `key` does not occur, or occurs once as `key:null`. */
function absentOrNull(text: string, key: string): boolean {
  const at = text.indexOf(key);
  return at === -1 || (text.startsWith(':null', at + key.length) && !text.includes(key, at + 1));
}

/** The object's first key is `error`, whatever whitespace (or line breaks of multi-line data) surround it. */
export function startsWithError(json: string): boolean {
  let i = skipSpace(json, 0);
  if (json.charCodeAt(i) !== 123 /* { */) return false;
  i = skipSpace(json, i + 1);
  // `{"error":{…}}`, or the flat `{"object":"error","message":…}` of older OpenAI-style servers.
  return json.startsWith('"error"', i) || FLAT_ERROR.test(json.slice(i, i + 40));
}

const FLAT_ERROR = /^"object"\s*:\s*"error"/;

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && text.charCodeAt(i) <= 32) i++;
  return i;
}

/** An engine's usage object as the public shape: valid totals, and the breakdowns that fit them. */
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
    ...readUsageDetails(u, prompt, completion),
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
