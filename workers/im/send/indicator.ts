import type { Platform } from '../types.ts';
import { JSON_HEADERS, type OutboundRequest, type ReplyTarget } from './types.ts';

/** An indicator is cosmetic: give up quickly rather than keep a connection open during the answer. */
export const INDICATOR_TIMEOUT_MS = 3000;

/**
 * LINE shows the animation for this long or until the bot's next message arrives (5–60 s, in steps
 * of 5). 20 s covers a typical answer, much like WhatsApp's 25 s indicator.
 */
export const LINE_LOADING_SECONDS = 20;

export interface IndicatorInput {
  apiBase: string;
  token: string;
  target: ReplyTarget;
}

/**
 * The platform's "typing…" call for a chat, or undefined where the platform has none for it (LINE
 * groups and rooms; a WhatsApp message without its id). Built purely; the Conversation sends it.
 */
export function indicatorRequest(platform: Platform, input: IndicatorInput): OutboundRequest | undefined {
  const { target } = input;
  const json = (url: string, body: unknown, headers: Record<string, string> = {}): OutboundRequest => ({
    url,
    headers: { ...JSON_HEADERS, ...headers },
    body: JSON.stringify(body),
    parts: 0,
    timeoutMs: INDICATOR_TIMEOUT_MS,
  });
  const bearer = { authorization: `Bearer ${input.token}` };
  switch (platform) {
    case 'telegram':
      return json(`${input.apiBase}/bot${input.token}/sendChatAction`, {
        chat_id: /^-?\d+$/.test(target.chatId) ? Number(target.chatId) : target.chatId,
        action: 'typing',
        // Like replies: without it the status would show in the forum's General topic.
        ...(target.threadId ? { message_thread_id: Number(target.threadId) } : {}),
      });
    case 'whatsapp':
      // The indicator rides on the read receipt of the message being answered.
      if (!target.messageId) return undefined;
      return json(
        `${input.apiBase}/${encodeURIComponent(target.channelId ?? '')}/messages`,
        {
          messaging_product: 'whatsapp',
          status: 'read',
          message_id: target.messageId,
          typing_indicator: { type: 'text' },
        },
        bearer,
      );
    case 'line':
      // The loading animation exists for one-on-one chats only (user ids start with U; groups C, rooms R).
      if (!target.chatId.startsWith('U')) return undefined;
      return json(
        `${input.apiBase}/v2/bot/chat/loading/start`,
        { chatId: target.chatId, loadingSeconds: LINE_LOADING_SECONDS },
        bearer,
      );
    case 'messenger': {
      const page = target.channelId ? encodeURIComponent(target.channelId) : 'me';
      return json(`${input.apiBase}/${page}/messages?access_token=${encodeURIComponent(input.token)}`, {
        recipient: { id: target.chatId },
        sender_action: 'typing_on',
      });
    }
  }
}
