import { type ChatMessage, messageText } from '../../schemas/openai/messages.ts';

/**
 * Prompt tokens estimated before the engine has counted them: ~4 characters per token plus a few
 * tokens of chat-template overhead per message. Used for limit reservations and, flagged as an
 * estimate, for engines that report no usage.
 */
export function estimatePromptTokens(messages: ChatMessage[]): number {
  let chars = 0;
  for (const message of messages) chars += messageText(message).length;
  return Math.ceil(chars / 4) + 4 * messages.length + 2;
}
