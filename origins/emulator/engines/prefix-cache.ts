import type { OriginState } from '../types.ts';

/**
 * An emulated prefix cache: how many prompt tokens an origin could reuse from prompts it served
 * before. Both engines always compute the last prompt token again. vLLM counts only whole KV blocks
 * (16 tokens by default) and reports the hits as `prompt_tokens_details.cached_tokens` only when there
 * are some (vllm `entrypoints/openai/serving_chat.py`: `if self.enable_prompt_tokens_details and
 * final_res.num_cached_tokens`). SGLang's radix cache matches token by token (page size 1 by default)
 * and `/generate` reports `meta_info.cached_tokens` always, 0 included.
 */
const VLLM_BLOCK_TOKENS = 16;
/** Prompts remembered per origin, and the characters kept of each: the emulator's memory stays bounded. */
const REMEMBERED = 64;
const KEPT_CHARS = 64 * 1024;

const served = new WeakMap<OriginState, string[]>();

/** Cached tokens for `prompt` on `origin` (then remembered), in whole blocks of `blockTokens`. */
export function cachedPromptTokens(
  origin: OriginState,
  prompt: string,
  promptTokens: number,
  blockTokens = VLLM_BLOCK_TOKENS,
): number {
  const prompts = served.get(origin) ?? [];
  let longest = 0;
  for (const earlier of prompts) longest = Math.max(longest, commonPrefix(earlier, prompt));
  const kept = prompt.slice(0, KEPT_CHARS);
  if (!prompts.includes(kept)) {
    prompts.push(kept);
    if (prompts.length > REMEMBERED) prompts.shift();
  }
  served.set(origin, prompts);
  // The emulator's tokens are ~4 characters (see `plan`).
  const reusable = Math.min(Math.floor(longest / 4), promptTokens - 1);
  return Math.max(0, Math.floor(reusable / blockTokens) * blockTokens);
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
