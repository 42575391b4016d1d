import { ollamaAdapter } from '../../../origins/ollama/index.ts';
import type { ChatCompletionRequest } from '../../../schemas/openai/chat.ts';
import { ctx, pool } from './replay-b.ts';

/** Shared by the Ollama log-probability tests: the chat sent, and the pieces Ollama answers with. */

export const ollama = ollamaAdapter;
const ollamaPool = pool('ollama');

/** The chat Ollama is sent for `over` (the request body) and the call context to decode its answer with. */
export function ollamaChat(over: Partial<ChatCompletionRequest>, stream: boolean) {
  const c = ctx(ollamaPool, { stream });
  const request = {
    model: 'client-model',
    messages: [{ role: 'user' as const, content: 'Capital of France?' }],
  };
  const body = ollama.buildChat({ ...request, ...over }, c).body ?? '{}';
  return { c, body: JSON.parse(body) as Record<string, unknown> };
}

const PARIS_BYTES = [80, 97, 114, 105, 115];
const PARIS_TOP = { token: 'Paris', logprob: -0.01, bytes: PARIS_BYTES };

/** A piece as Ollama writes it; one alternative leaves out its `bytes`. */
export const PARIS = { ...PARIS_TOP, top_logprobs: [PARIS_TOP, { token: 'Lyon', logprob: -5.2 }] };

/** The same piece in OpenAI's `logprobs.content`: the missing `bytes` is null. */
export const PARIS_IN_OPENAI = {
  ...PARIS_TOP,
  top_logprobs: [PARIS_TOP, { token: 'Lyon', logprob: -5.2, bytes: null }],
};

/** A piece without alternatives. */
export const DOT = { token: '.', logprob: -0.2, bytes: [46] };
