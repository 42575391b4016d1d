import { estimatePromptTokens } from '../../workers/pipeline/token-estimate.ts';
import type { HistoryMessage } from './store.ts';

type PromptMessage = { role: 'system'; content: string } | HistoryMessage;

/**
 * The messages for one model call: system prompt, as much of the newest history as fits `maxTokens`
 * (by the gateway's own prompt estimate), then the user's message. Older history is left out whole
 * messages at a time, and the kept history never opens with an answer whose question was left out.
 * The system prompt and the message itself are always sent, even over the budget: the engine is the
 * one that knows the real context size and says so.
 */
export function fitPrompt(
  system: string | undefined,
  history: HistoryMessage[],
  user: HistoryMessage,
  maxTokens: number,
): { messages: PromptMessage[]; omitted: number } {
  const head: PromptMessage[] = system ? [{ role: 'system', content: system }] : [];
  let start = 0;
  while (
    start < history.length &&
    estimatePromptTokens([...head, ...history.slice(start), user]) > maxTokens
  ) {
    start++;
  }
  while (start < history.length && history[start]?.role === 'assistant') start++;
  return { messages: [...head, ...history.slice(start), user], omitted: start };
}

/**
 * The prompt budget of one model call: the configured one, but never more than the model's context
 * leaves for the prompt once the answer has its room (the bot's `maxTokens`, else a quarter of the
 * context). Without a known context size the configured budget stands.
 */
export function promptBudget(
  configured: number,
  contextLength: number | undefined,
  answerTokens: number | undefined,
): number {
  if (contextLength === undefined) return configured;
  const room = answerTokens ?? Math.ceil(contextLength / 4);
  return Math.max(1, Math.min(configured, contextLength - room));
}
