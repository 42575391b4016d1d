import { EcoError } from '../../schemas/errors.ts';
import type { ChatCompletionRequest } from '../../schemas/openai/chat.ts';
import type { CallContext } from '../types.ts';
import { OLLAMA } from './request.ts';

/**
 * Ollama (0.12.11 and later) returns log-probabilities on `/api/chat` when asked with `logprobs` and
 * `top_logprobs`: a top-level `logprobs` list of `{token, logprob, bytes, top_logprobs}`, OpenAI's own
 * item shape. Earlier releases drop the unknown fields and answer without it; they cannot be told apart
 * before the answer, so an answer that lacks the asked-for list fails rather than hiding it.
 */
const asked = new WeakSet<CallContext>();

/** The request fields for the asked-for log-probabilities, if any (streams carry them per line). */
export function ollamaLogprobFields(req: ChatCompletionRequest, ctx: CallContext): Record<string, unknown> {
  const top = typeof req.top_logprobs === 'number' && req.top_logprobs > 0 ? req.top_logprobs : 0;
  if (req.logprobs !== true && top === 0) return {};
  asked.add(ctx);
  return top > 0 ? { logprobs: true, top_logprobs: top } : { logprobs: true };
}

export function askedLogprobs(ctx: CallContext): boolean {
  return asked.has(ctx);
}

/** An answer with output but no log-probabilities: a release that drops the fields it does not know. */
export function missingLogprobs(): EcoError {
  return new EcoError(
    502,
    'origin_error',
    `${OLLAMA}: the answer has no log-probabilities; this Ollama release does not return them (0.12.11 or later does)`,
  );
}

interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
}

function tokenLogprob(value: unknown): TokenLogprob {
  const v = (value ?? {}) as { token?: unknown; logprob?: unknown; bytes?: unknown };
  if (typeof v.token !== 'string' || typeof v.logprob !== 'number' || !Number.isFinite(v.logprob)) {
    throw new EcoError(502, 'origin_malformed_response', `${OLLAMA}: a log-probability entry is malformed`);
  }
  const bytes =
    Array.isArray(v.bytes) && v.bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)
      ? (v.bytes as number[])
      : null;
  return { token: v.token, logprob: v.logprob, bytes };
}

/**
 * OpenAI's `choice.logprobs` from the answer's list, or null when none was asked for. `hasOutput`: the
 * answer generated something, so an asked-for list must be there.
 */
export function openAiLogprobs(list: unknown, ctx: CallContext, hasOutput: boolean) {
  if (!asked.has(ctx)) return null;
  if (!Array.isArray(list)) {
    if (!hasOutput) return { content: [], refusal: null };
    throw missingLogprobs();
  }
  return { content: logprobItems(list), refusal: null };
}

/** Ollama's `logprobs` list as OpenAI's `logprobs.content` items; a malformed entry throws a 502. */
export function logprobItems(list: unknown[]) {
  return list.map((item) => {
    const top = (item as { top_logprobs?: unknown } | null)?.top_logprobs;
    return { ...tokenLogprob(item), top_logprobs: Array.isArray(top) ? top.map(tokenLogprob) : [] };
  });
}
