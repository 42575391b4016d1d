import { EcoError } from '../../schemas/errors.ts';
import type { FinishReason, Usage } from '../../schemas/openai/chat.ts';
import { derivedFinish, estimateTokens, promptCall, reportedUsage } from '../templates/prompt-call.ts';
import { tokenCount } from '../token-count.ts';
import type { CallContext } from '../types.ts';
import { OLLAMA } from './request.ts';

/** Fields of Ollama's final (`done: true`) object, shared by /api/chat and /api/generate. */
export interface OllamaFinal {
  done?: unknown;
  done_reason?: unknown;
  prompt_eval_count?: unknown;
  eval_count?: unknown;
}

interface OllamaToolCall {
  id?: unknown;
  function?: { index?: unknown; name?: unknown; arguments?: unknown };
}

/**
 * Why the generation ended. `load`/`unload` answer an empty prompt and are not completions. Releases
 * without `done_reason` say nothing: the reason is then derived from the completion budget.
 */
export function ollamaFinish(final: OllamaFinal, ctx: CallContext, toolCalls: boolean): FinishReason {
  const reason = final.done_reason;
  if (reason === 'load' || reason === 'unload') {
    throw new EcoError(502, 'origin_error', `${OLLAMA}: the call ended with '${reason}', not a completion`);
  }
  if (reason === 'length') return 'length';
  if (toolCalls) return 'tool_calls';
  if (reason === 'stop') return 'stop';
  return derivedFinish(tokenCount(final.eval_count) ?? 0, promptCall(ctx)?.maxTokens);
}

/**
 * `prompt_eval_count`/`eval_count`. Ollama leaves `prompt_eval_count` out when the whole prompt came
 * from its cache: that count is then estimated, and the usage says so.
 */
export function ollamaUsage(final: OllamaFinal, ctx: CallContext): Usage | undefined {
  const completion = tokenCount(final.eval_count);
  if (completion === undefined) return undefined;
  const prompt = tokenCount(final.prompt_eval_count);
  if (prompt !== undefined) return reportedUsage(prompt, completion);
  const estimate = estimateTokens(promptCall(ctx)?.prompt ?? '');
  return {
    prompt_tokens: estimate,
    completion_tokens: completion,
    total_tokens: estimate + completion,
    eco_estimated: true,
  };
}

/**
 * Ollama tool calls (arguments as an object) → OpenAI's (arguments as a JSON string, with an id).
 * `offset` is the number of calls already given out in this answer.
 */
export function openAiToolCalls(calls: unknown, ctx: CallContext, offset: number, indexed: boolean) {
  if (!Array.isArray(calls)) return [];
  return (calls as OllamaToolCall[]).map((call, i) => {
    const fn = call?.function ?? {};
    const args = typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {});
    return {
      ...(indexed ? { index: offset + i } : {}),
      id: typeof call?.id === 'string' ? call.id : `call_${ctx.requestId.slice(-16)}_${offset + i}`,
      type: 'function',
      function: { name: String(fn.name ?? ''), arguments: args },
    };
  });
}
