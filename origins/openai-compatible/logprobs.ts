import { finiteLogprob, tokenBytes } from '../token-scores.ts';

/**
 * A non-stream chat answer's `logprobs` in OpenAI's shape, which clients read field by field: each
 * token item and each of its `top_logprobs` carries `bytes` (the engine's when it sent them, else the
 * UTF-8 of the token), items carry a `top_logprobs` list, and the object carries `refusal`. Engines
 * leave out one or the other (`bytes` on older releases, `refusal` nearly everywhere).
 */
export function chatLogprobs(value: unknown): unknown {
  if (!isObject(value)) return null;
  return {
    ...value,
    content: Array.isArray(value.content) ? value.content.map(tokenItem) : null,
    refusal: Array.isArray(value.refusal) ? value.refusal.map(tokenItem) : null,
  };
}

function tokenItem(item: unknown): unknown {
  if (!isObject(item)) return item;
  const top = Array.isArray(item.top_logprobs)
    ? item.top_logprobs.map((alt) => (isObject(alt) ? withBytes(alt) : alt))
    : [];
  return { ...withBytes(item), top_logprobs: top };
}

function withBytes(scored: Record<string, unknown>): Record<string, unknown> {
  const logprob = finiteLogprob(scored.logprob);
  const scoredAsNumber = logprob === scored.logprob ? scored : { ...scored, logprob };
  if (scored.bytes === null || Array.isArray(scored.bytes)) return scoredAsNumber;
  return {
    ...scoredAsNumber,
    bytes: typeof scored.token === 'string' ? tokenBytes(scored.token) : null,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
