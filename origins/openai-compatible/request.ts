import { type ChatCompletionRequest, requestedMaxTokens } from '../../schemas/openai/chat.ts';
import type { ChatMessage } from '../../schemas/openai/messages.ts';
import type { CallContext, OriginRequest } from '../types.ts';

/** Fields of the chat request that OpenAI-compatible engines understand, in the order they are sent. */
const FORWARDED = [
  'messages',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'n',
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning_effort',
  'response_format',
  'user',
] as const satisfies readonly (keyof ChatCompletionRequest)[];

export type ForwardedField = (typeof FORWARDED)[number];

export interface OpenAiRequestOptions {
  path?: string;
  /** Fields this engine rejects or ignores (trtllm-serve answers 400 to fields it does not know). */
  omit?: ReadonlySet<ForwardedField>;
  /** The engine only knows `max_tokens`: the budget is sent under that name alone. */
  legacyMaxTokens?: boolean;
  /** The engine's own edits of the body, made before it is written. */
  adjust?: (body: Record<string, unknown>) => void;
}

/**
 * `developer` is sent as `system`, as the gateway's own templates, MII and Ollama take it: most chat
 * templates the engines apply know only system/user/assistant/tool, and drop an unknown role's turn or
 * fail on it. `system` is read by every template, so the instruction always reaches the model. A pool
 * whose models read the role themselves (gpt-oss's harmony format puts instructions in its developer
 * message) sets `options.developerRole: "keep"`.
 */
export function withSystemRole(messages: ChatMessage[], ctx?: CallContext): ChatMessage[] {
  if (ctx?.pool.options.developerRole === 'keep') return messages;
  if (!messages.some((m) => m.role === 'developer')) return messages;
  return messages.map((m) => (m.role === 'developer' ? { ...m, role: 'system' } : m));
}

export function buildOpenAiChat(
  req: ChatCompletionRequest,
  ctx: CallContext,
  options: OpenAiRequestOptions = {},
): OriginRequest {
  const body: Record<string, unknown> = { model: ctx.engineModel };
  for (const field of FORWARDED) {
    const value = req[field];
    if (value === undefined || value === null) continue;
    if (options.omit?.has(field)) continue;
    body[field] = value;
  }
  body.messages = withSystemRole(req.messages, ctx);
  // One budget: the newer field when both are sent (as on OpenAI, and as the gateway reserves it). Both
  // names carry it, so a release that reads only `max_tokens` (from before `max_completion_tokens`)
  // and one that prefers either name generate alike; engines that know only the older name get that.
  const budget = requestedMaxTokens(req);
  delete body.max_tokens;
  delete body.max_completion_tokens;
  if (budget !== undefined) {
    body.max_tokens = budget;
    if (!options.legacyMaxTokens) body.max_completion_tokens = budget;
  }
  options.adjust?.(body);
  if (ctx.stream) {
    body.stream = true;
    // Always ask for usage: the gateway records it even when the client did not ask to see it.
    body.stream_options = { include_usage: true };
  }
  return {
    method: 'POST',
    path: options.path ?? '/v1/chat/completions',
    headers: {
      'content-type': 'application/json',
      accept: ctx.stream ? 'text/event-stream' : 'application/json',
    },
    body: JSON.stringify(body),
  };
}
