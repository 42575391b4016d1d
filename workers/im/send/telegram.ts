import { JSON_HEADERS, type OutboundRequest, type SendInput } from './types.ts';

/** `sendMessage`; the bot token is part of the path. The first part replies to the user's message. */
export function telegramRequest(input: SendInput): OutboundRequest {
  const { target } = input;
  const quote = input.offset === 0 && target.messageId ? Number(target.messageId) : undefined;
  const body = {
    chat_id: /^-?\d+$/.test(target.chatId) ? Number(target.chatId) : target.chatId,
    text: input.parts[0] ?? '',
    // Without it, parts after the first (which quote nothing) would land in the forum's General topic.
    ...(target.threadId ? { message_thread_id: Number(target.threadId) } : {}),
    ...(quote ? { reply_parameters: { message_id: quote, allow_sending_without_reply: true } } : {}),
  };
  return {
    url: `${input.apiBase}/bot${input.token}/sendMessage`,
    headers: { ...JSON_HEADERS },
    body: JSON.stringify(body),
    parts: 1,
  };
}
