import { JSON_HEADERS, type OutboundRequest, type ReplyTarget, type SendInput } from './types.ts';

/** The chat a Telegram call goes to: numeric ids as numbers, and the forum topic when there is one. */
export function telegramChat(target: ReplyTarget): { chat_id: number | string; message_thread_id?: number } {
  return {
    chat_id: /^-?\d+$/.test(target.chatId) ? Number(target.chatId) : target.chatId,
    // Without it, a call would land in the forum's General topic.
    ...(target.threadId ? { message_thread_id: Number(target.threadId) } : {}),
  };
}

/** `sendMessage`; the bot token is part of the path. The first part replies to the user's message. */
export function telegramRequest(input: SendInput): OutboundRequest {
  const { target } = input;
  const quote = input.offset === 0 && target.messageId ? Number(target.messageId) : undefined;
  const body = {
    ...telegramChat(target),
    text: input.parts[0] ?? '',
    ...(quote ? { reply_parameters: { message_id: quote, allow_sending_without_reply: true } } : {}),
  };
  return {
    url: `${input.apiBase}/bot${input.token}/sendMessage`,
    headers: { ...JSON_HEADERS },
    body: JSON.stringify(body),
    parts: 1,
  };
}

/** `getMe`: the bot's own account, whose `username` is the name group commands are addressed with. */
export function telegramGetMe(apiBase: string, token: string): OutboundRequest {
  return { url: `${apiBase}/bot${token}/getMe`, headers: { ...JSON_HEADERS }, body: '{}', parts: 0 };
}

/** The `username` and user `id` of a getMe answer, or undefined when the body is not one. */
export function telegramAccount(body: string): { username: string; id: string } | undefined {
  try {
    const result = (JSON.parse(body) as { result?: { username?: unknown; id?: unknown } }).result;
    const username = typeof result?.username === 'string' && result.username !== '' ? result.username : '';
    const id = typeof result?.id === 'number' && Number.isFinite(result.id) ? String(result.id) : '';
    return username && id ? { username, id } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `answerCallbackQuery`: it stops the spinner the client shows on a tapped button (the reply itself
 * follows as a message), with no notice, or with `text` shown briefly over the chat (at most 200
 * characters). A query can be answered once; a late answer is refused.
 */
export function telegramAnswerTap(
  apiBase: string,
  token: string,
  queryId: string,
  text?: string,
): OutboundRequest {
  return {
    url: `${apiBase}/bot${token}/answerCallbackQuery`,
    headers: { ...JSON_HEADERS },
    body: JSON.stringify({ callback_query_id: queryId, ...(text ? { text: text.slice(0, 200) } : {}) }),
    parts: 0,
  };
}
