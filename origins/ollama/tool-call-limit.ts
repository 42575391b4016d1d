import type { CallContext } from '../types.ts';

/**
 * `parallel_tool_calls: false` asks for at most one tool call per turn. Ollama has no such input and may
 * answer with several, so the first one is kept: the model sees its result and can make the next call on
 * the following turn, as it would have had it honoured the flag.
 */
const singleToolCall = new WeakSet<CallContext>();

export function rememberParallelToolCalls(ctx: CallContext, parallel: boolean | null | undefined): void {
  if (parallel === false) singleToolCall.add(ctx);
}

/** How many tool calls an answer may carry. */
export function toolCallLimit(ctx: CallContext): number {
  return singleToolCall.has(ctx) ? 1 : Number.POSITIVE_INFINITY;
}
