import type { Platform } from '../types.ts';
import { messengerSendUrl } from './messenger.ts';
import { telegramChat } from './telegram.ts';
import { JSON_HEADERS, type OutboundRequest, type ReplyTarget } from './types.ts';
import { whatsappMessagesUrl } from './whatsapp.ts';

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
        ...telegramChat(target),
        action: 'typing',
      });
    case 'whatsapp':
      // The indicator rides on the read receipt of the message being answered.
      if (!target.messageId) return undefined;
      return json(
        whatsappMessagesUrl(input.apiBase, target),
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
    case 'messenger':
      return json(messengerSendUrl(input.apiBase, target, input.token), {
        recipient: { id: target.chatId },
        sender_action: 'typing_on',
      });
  }
}
