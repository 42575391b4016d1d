import type { Usage } from '../schemas/openai/chat.ts';
import { tokenCount } from './token-count.ts';

/**
 * OpenAI's token breakdowns (`prompt_tokens_details`, `completion_tokens_details`) read from an engine's
 * usage object. Clients price cached and reasoning tokens from them, so a value is kept only when it is
 * a whole non-negative number no larger than the total it breaks down; anything else (strings, floats,
 * negatives, nested junk) is dropped on its own, never failing the answer or its totals.
 */
export type UsageDetails = Pick<Usage, 'prompt_tokens_details' | 'completion_tokens_details'>;

const PROMPT_KEYS = ['cached_tokens', 'audio_tokens'] as const;
const COMPLETION_KEYS = [
  'reasoning_tokens',
  'audio_tokens',
  'accepted_prediction_tokens',
  'rejected_prediction_tokens',
] as const;

/** The details of `raw` (an engine's `usage` object) that fit the totals already read from it. */
export function readUsageDetails(
  raw: Record<string, unknown>,
  prompt: number,
  completion: number,
): UsageDetails {
  const promptDetails = pick(raw.prompt_tokens_details, PROMPT_KEYS, prompt);
  const completionDetails = pick(raw.completion_tokens_details, COMPLETION_KEYS, completion);
  // SGLang writes `reasoning_tokens` at the top of its usage (entrypoints/openai/protocol.py `UsageInfo`).
  if (completionDetails?.reasoning_tokens === undefined) {
    const reasoning = detailCount(raw.reasoning_tokens, completion);
    if (reasoning !== undefined)
      return withDetails(promptDetails, { ...completionDetails, reasoning_tokens: reasoning });
  }
  return withDetails(promptDetails, completionDetails);
}

/**
 * Details from the separate counts a native API reports (SGLang's `meta_info.cached_tokens`), under
 * the same rules as `readUsageDetails`.
 */
export function nativeUsageDetails(
  counts: { cached?: unknown; reasoning?: unknown },
  prompt: number,
  completion: number,
): UsageDetails {
  const cached = detailCount(counts.cached, prompt);
  const reasoning = detailCount(counts.reasoning, completion);
  return withDetails(
    cached === undefined ? undefined : { cached_tokens: cached },
    reasoning === undefined ? undefined : { reasoning_tokens: reasoning },
  );
}

/**
 * A breakdown count: a token count (token-count.ts) no larger than the total it is part of, else
 * undefined. Digit strings, which totals accept, are dropped here: a breakdown is optional.
 */
function detailCount(value: unknown, total: number): number | undefined {
  const count = typeof value === 'number' ? tokenCount(value) : undefined;
  return count !== undefined && count <= total ? count : undefined;
}

function pick<K extends string>(
  value: unknown,
  keys: readonly K[],
  total: number,
): Partial<Record<K, number>> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const source = value as Record<string, unknown>;
  const out: Partial<Record<K, number>> = {};
  let found = false;
  for (const key of keys) {
    const count = detailCount(source[key], total);
    if (count === undefined) continue;
    out[key] = count;
    found = true;
  }
  return found ? out : undefined;
}

function withDetails(
  promptDetails: UsageDetails['prompt_tokens_details'],
  completionDetails: UsageDetails['completion_tokens_details'],
): UsageDetails {
  return {
    ...(promptDetails ? { prompt_tokens_details: promptDetails } : {}),
    ...(completionDetails ? { completion_tokens_details: completionDetails } : {}),
  };
}
