import type { PoolConfig } from '../../schemas/config.ts';
import type { ChatCompletion, FinishReason, Usage } from '../../schemas/openai/chat.ts';
import { requestedMaxTokens } from '../../schemas/openai/chat.ts';
import type { CallContext } from '../types.ts';

/**
 * What a prompt-only engine's decoder needs to know about the request it answers: the rendered prompt
 * (to strip an echo and to estimate prompt tokens) and the completion budget (to derive a finish reason
 * the engine does not report). `buildChat` records it against the call context that the gateway then
 * hands to `decodeChat`/`chatStream` for the same exchange.
 */
export interface PromptCall {
  prompt: string;
  maxTokens?: number;
}

const calls = new WeakMap<CallContext, PromptCall>();

export function rememberPrompt(ctx: CallContext, call: PromptCall): void {
  calls.set(ctx, call);
}

/** Remembers the prompt with the client's own budget, when it set one; returns that budget. */
export function rememberRequestedPrompt(
  ctx: CallContext,
  prompt: string,
  req: Parameters<typeof requestedMaxTokens>[0],
): number | undefined {
  const maxTokens = requestedMaxTokens(req);
  rememberPrompt(ctx, maxTokens === undefined ? { prompt } : { prompt, maxTokens });
  return maxTokens;
}

export function promptCall(ctx: CallContext): PromptCall | undefined {
  return calls.get(ctx);
}

/**
 * Native endpoints need an explicit completion budget (Triton requires one, LMDeploy's default is 128).
 * Used when the client sets none: the pool option `options.maxTokens`, else this.
 */
export const DEFAULT_MAX_TOKENS = 1024;

export function poolMaxTokens(pool: PoolConfig): number {
  const n = pool.options.maxTokens;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_TOKENS;
}

/** The documented estimate used wherever an engine reports no token counts: ~4 characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * A finish reason derived, not reported: `length` when the completion used its whole budget, else
 * `stop`. Engines that say why they stopped never go through this.
 */
export function derivedFinish(completionTokens: number, maxTokens: number | undefined): FinishReason {
  return maxTokens !== undefined && completionTokens >= maxTokens ? 'length' : 'stop';
}

export function estimatedUsage(prompt: string, completion: string, completionTokens?: number): Usage {
  const promptTokens = estimateTokens(prompt);
  const out = completionTokens ?? estimateTokens(completion);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: out,
    total_tokens: promptTokens + out,
    eco_estimated: true,
  };
}

export function reportedUsage(prompt: number, completion: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** The public non-stream answer for an engine that returned plain text. */
export function textCompletion(
  ctx: CallContext,
  content: string,
  finish: FinishReason,
  usage: Usage,
): ChatCompletion {
  return assistantCompletion(ctx, { role: 'assistant', content }, finish, usage);
}

/** The public non-stream answer around one assistant message the gateway decoded from a native API. */
export function assistantCompletion(
  ctx: CallContext,
  message: Omit<ChatCompletion['choices'][number]['message'], 'refusal'>,
  finish: FinishReason,
  usage: Usage,
): ChatCompletion {
  return {
    id: `chatcmpl-${ctx.requestId}`,
    object: 'chat.completion',
    created: ctx.created,
    model: ctx.clientModel,
    // Native APIs have no refusals; OpenAI's message always carries the field.
    choices: [{ index: 0, message: { ...message, refusal: null }, logprobs: null, finish_reason: finish }],
    usage,
  };
}
