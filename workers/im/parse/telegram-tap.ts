import type { ImEvent } from '../types.ts';
import { id, type Json, obj, str } from './json-shape.ts';

/**
 * A tap on a button of one of the bot's inline keyboards (`callback_query`): the button's `data` is
 * the person's answer, taken like typed text. Telegram sends a tap only to the bot whose message holds
 * the keyboard, so in a group it is addressed to the bot. The query's `id` travels along: the client
 * shows a spinner until the bot answers the query. A tap that is not answered like text keeps its query
 * id too (its reason says why), so the webhook answers it at once with a short notice:
 * - on a message sent in inline mode (`inline_message_id`, no `message`): there is no chat the bot can
 *   be sure to write in (it may message the person only after they started it), and the gateway never
 *   sends inline-mode messages itself, so the keyboard is not one the conversation knows;
 * - on a game button (`game_short_name`): the bot has no game to open;
 * - with no usable data, or no chat: nothing to answer but the spinner.
 */
export function telegramTap(eventId: string, query: Json): ImEvent {
  const message = obj(query.message);
  const chat = obj(message?.chat);
  const chatId = id(chat?.id);
  const queryId = str(query.id);
  const data = str(query.data)?.trim();
  const ignored = {
    eventId,
    kind: 'ignored' as const,
    chatId: chatId ?? '',
    userId: id(obj(query.from)?.id) ?? '',
    timestampMs: 0,
    ...(queryId ? { callbackQueryId: queryId } : {}),
  };
  if (str(query.game_short_name) !== undefined) return { ...ignored, reason: 'callback_query:game' };
  if (!message && str(query.inline_message_id) !== undefined)
    return { ...ignored, reason: 'callback_query:inline' };
  if (!chatId || !queryId) return { ...ignored, reason: 'callback_query' };
  if (!data) return { ...ignored, reason: 'callback_query:no_data' };
  // The tap's time is not sent; the message's `date` is when the keyboard was sent, maybe days ago.
  const threadId = message?.is_topic_message === true ? id(message.message_thread_id) : undefined;
  return {
    eventId,
    kind: 'text',
    chatId,
    userId: id(obj(query.from)?.id) ?? chatId,
    text: data,
    timestampMs: 0,
    ...(chat?.type === 'group' || chat?.type === 'supergroup' ? { group: true } : {}),
    ...(threadId ? { threadId } : {}),
    callbackQueryId: queryId,
    signals: { tap: true },
  };
}
