import type { FinishReason } from '../../schemas/openai/chat.ts';
import { derivedFinish, estimateTokens, promptCall } from '../templates/prompt-call.ts';
import { tokenCount } from '../token-count.ts';
import type { CallContext } from '../types.ts';

/**
 * MII writes its own finish value `none` as null, on `/v1/completions` as on chat; OpenAI's completion
 * choices always say why they ended. A null one is derived from the client's budget (`length` when the
 * completion used it all, else `stop`), as on chat (openai.ts).
 */
export function withDerivedFinish(
  answer: Record<string, unknown>,
  ctx: CallContext,
): Record<string, unknown> {
  const choices = answer.choices as { text?: unknown; finish_reason?: unknown }[];
  const reported = tokenCount(
    (answer.usage as { completion_tokens?: unknown } | undefined)?.completion_tokens,
  );
  for (const choice of choices) {
    if (choice === null || typeof choice !== 'object' || typeof choice.finish_reason === 'string') continue;
    // MII's count covers every choice: with one, it is this choice's own.
    const text = typeof choice.text === 'string' ? choice.text : '';
    const used = choices.length === 1 && reported !== undefined ? reported : estimateTokens(text);
    choice.finish_reason = finishFor(used, ctx);
  }
  return answer;
}

/** The derived finish of a completion that used `completionTokens`. */
export function finishFor(completionTokens: number, ctx: CallContext): FinishReason {
  return derivedFinish(completionTokens, promptCall(ctx)?.maxTokens);
}
