import { EcoError } from '../../schemas/errors.ts';
import type { ChatCompletion } from '../../schemas/openai/chat.ts';
import { parseAnswer } from '../error-answer.ts';
import { assistantCompletion, estimatedUsage, promptCall } from '../templates/prompt-call.ts';
import type { CallContext } from '../types.ts';
import { type OllamaFinal, ollamaFinish, ollamaUsage, openAiToolCalls } from './answer.ts';
import { openAiLogprobs } from './logprobs.ts';
import { OLLAMA } from './request.ts';

interface Answer extends OllamaFinal {
  message?: { content?: unknown; thinking?: unknown; tool_calls?: unknown };
  response?: unknown;
  thinking?: unknown;
  logprobs?: unknown;
}

/** One `stream: false` answer: the same object as a stream's final line, with the whole text. */
export function readOllamaAnswer(body: string): Answer {
  const parsed = parseAnswer<Answer>(OLLAMA, body);
  if (parsed === null || typeof parsed !== 'object' || parsed.done !== true) {
    throw new EcoError(502, 'origin_malformed_response', `${OLLAMA}: the response is not a finished answer`);
  }
  return parsed;
}

export function decodeOllamaChat(body: string, ctx: CallContext): ChatCompletion {
  const answer = readOllamaAnswer(body);
  const message = answer.message;
  if (!message || typeof message !== 'object' || typeof message.content !== 'string') {
    throw new EcoError(502, 'origin_malformed_response', `${OLLAMA}: the response has no message.content`);
  }
  const calls = openAiToolCalls(message.tool_calls, ctx, 0, false);
  const content = message.content;
  const logprobs = openAiLogprobs(answer.logprobs, ctx, content.length > 0);
  const completion = assistantCompletion(
    ctx,
    {
      role: 'assistant',
      content: content.length === 0 && calls.length > 0 ? null : content,
      ...(calls.length > 0 ? { tool_calls: calls } : {}),
      ...(typeof message.thinking === 'string' && message.thinking.length > 0
        ? { reasoning_content: message.thinking }
        : {}),
    },
    ollamaFinish(answer, ctx, calls.length > 0),
    ollamaUsage(answer, ctx) ?? estimatedUsage(promptCall(ctx)?.prompt ?? '', content),
  );
  if (logprobs) completion.choices[0]!.logprobs = logprobs;
  return completion;
}
