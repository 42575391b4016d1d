import { type ChatMessage, messageText } from '../../schemas/openai/messages.ts';

/**
 * Tokens reserved for one image, audio clip or file in a message: engines render them as hundreds to a
 * few thousand tokens, and their bytes (a base64 data URL, a file id) say little about how many.
 */
const MEDIA_PART_TOKENS = 1_000;

/** What else of a chat request the engine renders into the prompt besides the messages. */
export interface PromptExtras {
  tools?: unknown;
  response_format?: { type: string } | null | undefined;
}

/**
 * Prompt tokens estimated before the engine has counted them: ~4 characters per token of everything the
 * client sent that the chat template renders (message text, names, tool calls and their arguments, tool
 * definitions, a JSON schema to follow), a fixed allowance per image, audio clip or file, and a few
 * tokens of template overhead per message. Used for limit reservations, which must not be cheated by
 * putting the prompt where the estimate does not look, and, flagged as an estimate, for engines that
 * report no usage.
 */
export function estimatePromptTokens(messages: ChatMessage[], extras: PromptExtras = {}): number {
  return estimateTextTokens(messages, extras) + estimateMediaTokens(messages);
}

/** The fixed allowance of a request's images, audio clips and files. */
export function estimateMediaTokens(messages: ChatMessage[]): number {
  let media = 0;
  for (const message of messages) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content) if (part.type !== 'text' && part.type !== 'refusal') media++;
  }
  return media * MEDIA_PART_TOKENS;
}

/**
 * The estimate without the media allowance: what sizes a default `max_tokens` against the model's
 * context. A fixed allowance per image is right for a budget (it must not be cheated) and wrong for a
 * context (a few images would leave an answer of one token where the real prompt fits easily).
 */
export function estimateTextTokens(messages: ChatMessage[], extras: PromptExtras = {}): number {
  let chars = 0;
  for (const message of messages) {
    chars += messageText(message).length;
    if ('name' in message && typeof message.name === 'string') chars += message.name.length;
    if (message.role !== 'assistant') continue;
    for (const call of message.tool_calls ?? [])
      chars += call.function.name.length + call.function.arguments.length;
    if (message.function_call)
      chars += message.function_call.name.length + message.function_call.arguments.length;
  }
  if (extras.tools != null) chars += JSON.stringify(extras.tools).length;
  if (extras.response_format?.type === 'json_schema') chars += JSON.stringify(extras.response_format).length;
  return Math.ceil(chars / 4) + 4 * messages.length + 2;
}
