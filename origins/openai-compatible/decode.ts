import { EcoError } from '../../schemas/errors.ts';
import type { ChatCompletion, FinishReason } from '../../schemas/openai/chat.ts';
import { parseAnswer } from '../error-answer.ts';
import type { CallContext } from '../types.ts';
import { chatLogprobs } from './logprobs.ts';
import { FAILED_FINISH_REASONS, OPENAI_FINISH_REASONS, readUsage } from './scan.ts';

type AssistantMessage = ChatCompletion['choices'][number]['message'];

/**
 * Read an OpenAI-shaped non-stream chat answer into exactly the public shape: the client's model id,
 * one choice, known fields only. A body that is not a completion is an origin fault, never a 200.
 */
export function decodeOpenAiChat(engine: string, body: string, ctx: CallContext): ChatCompletion {
  const parsed = parseAnswer<Record<string, unknown>>(engine, body);
  const choices = Array.isArray(parsed?.choices) ? (parsed.choices as Record<string, unknown>[]) : undefined;
  const first = choices?.[0];
  const message = first?.message as Record<string, unknown> | undefined;
  if (!first || !message || typeof message !== 'object') {
    throw new EcoError(502, 'origin_malformed_response', `${engine}: the response has no choices[0].message`);
  }
  const content = typeof message.content === 'string' ? message.content : null;
  // vLLM ≥0.10 names it `reasoning`; older releases and other engines `reasoning_content`.
  const reasoning =
    [message.reasoning_content, message.reasoning].find(
      (r): r is string => typeof r === 'string' && r.length > 0,
    ) ?? '';
  const rawFinish = typeof first.finish_reason === 'string' ? first.finish_reason : null;
  if (rawFinish !== null && FAILED_FINISH_REASONS.has(rawFinish)) {
    throw new EcoError(502, 'origin_error', `${engine}: generation ended with '${rawFinish}'`);
  }
  // An engine's own name for a finished answer (e.g. `eos_token`) is a natural stop.
  const finish: FinishReason | null =
    rawFinish === null ? null : OPENAI_FINISH_REASONS.has(rawFinish) ? (rawFinish as FinishReason) : 'stop';
  // OpenAI's message always has `refusal` (null unless the model refused); engines mostly leave it out.
  const answer: AssistantMessage & { refusal: string | null } = {
    role: 'assistant',
    content,
    refusal: typeof message.refusal === 'string' ? message.refusal : null,
    ...(Array.isArray(message.tool_calls) && message.tool_calls.length > 0
      ? { tool_calls: message.tool_calls.map(withStringArguments) }
      : {}),
    ...(reasoning.length > 0 ? { reasoning_content: reasoning } : {}),
  };
  const out: ChatCompletion = {
    id: typeof parsed.id === 'string' ? parsed.id : `chatcmpl-${ctx.requestId}`,
    object: 'chat.completion',
    created: typeof parsed.created === 'number' ? parsed.created : ctx.created,
    model: ctx.clientModel,
    choices: [{ index: 0, message: answer, logprobs: chatLogprobs(first.logprobs), finish_reason: finish }],
  };
  const usage = readUsage(parsed.usage);
  if (usage) out.usage = usage;
  return out;
}

/** OpenAI's `function.arguments` is a JSON string; TGI's Messages API writes the object itself. */
function withStringArguments(call: unknown): unknown {
  const fn = (call as { function?: unknown } | null)?.function;
  if (fn === null || typeof fn !== 'object') return call;
  const args = (fn as { arguments?: unknown }).arguments;
  if (args === undefined || typeof args === 'string') return call;
  return { ...(call as object), function: { ...fn, arguments: JSON.stringify(args) } };
}
