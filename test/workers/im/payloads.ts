/**
 * When the payloads say their messages were sent: this run's start, since a message older than the
 * Conversation's dedup window is treated as a replay and not answered.
 */
export const SENT_AT_S = Math.floor(Date.now() / 1000);

/** Webhook bodies shaped like each platform's documented payloads, for parser, route and DO tests. */

export function telegramText(updateId: number, chatId: number, text: string, messageId = updateId) {
  return {
    update_id: updateId,
    message: {
      message_id: messageId,
      from: { id: chatId, is_bot: false, first_name: 'Ada', language_code: 'en' },
      chat: { id: chatId, first_name: 'Ada', type: 'private' },
      date: SENT_AT_S,
      text,
    },
  };
}

export function whatsappBatch(
  messages: { id: string; from: string; text?: string; type?: string; fromUserId?: string }[],
  statuses: { id: string; status: string; recipient: string }[] = [],
  phoneNumberId = '106540352242922',
) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId },
              contacts: messages.map((m) => ({ profile: { name: 'Sheena' }, wa_id: m.from })),
              messages: messages.map((m) => ({
                from: m.from,
                ...(m.fromUserId ? { from_user_id: m.fromUserId } : {}),
                id: m.id,
                timestamp: String(SENT_AT_S),
                type: m.type ?? 'text',
                ...((m.type ?? 'text') === 'text'
                  ? { text: { body: m.text ?? '' } }
                  : { image: { id: 'img' } }),
              })),
              ...(statuses.length
                ? {
                    statuses: statuses.map((s) => ({
                      id: s.id,
                      status: s.status,
                      timestamp: String(SENT_AT_S + 1),
                      recipient_id: s.recipient,
                    })),
                  }
                : {}),
            },
          },
        ],
      },
    ],
  };
}

export function lineEvent(input: {
  id: string;
  text?: string;
  userId?: string;
  groupId?: string;
  type?: string;
  mode?: string;
  replyToken?: string;
  timestamp?: number;
  messageType?: string;
}) {
  const userId = input.userId ?? 'U4af4980629abcdef0123456789abcdef';
  return {
    type: input.type ?? 'message',
    mode: input.mode ?? 'active',
    timestamp: input.timestamp ?? SENT_AT_S * 1000,
    source: input.groupId ? { type: 'group', groupId: input.groupId, userId } : { type: 'user', userId },
    webhookEventId: input.id,
    deliveryContext: { isRedelivery: false },
    replyToken: input.replyToken ?? `rt-${input.id}`,
    ...((input.type ?? 'message') === 'message'
      ? {
          message: {
            id: `m-${input.id}`,
            type: input.messageType ?? 'text',
            quoteToken: 'q',
            ...((input.messageType ?? 'text') === 'text' ? { text: input.text ?? 'hi' } : {}),
          },
        }
      : {}),
  };
}

export function lineBody(events: unknown[]) {
  return { destination: 'U0123456789abcdef0123456789abcdef', events };
}

export function messengerMessaging(input: { mid: string; psid: string; text?: string; echo?: boolean }) {
  return {
    sender: { id: input.echo ? 'PAGE_ID' : input.psid },
    recipient: { id: input.echo ? input.psid : 'PAGE_ID' },
    timestamp: SENT_AT_S * 1000,
    message: {
      mid: input.mid,
      ...(input.text !== undefined ? { text: input.text } : { attachments: [{ type: 'image' }] }),
      ...(input.echo ? { is_echo: true } : {}),
    },
  };
}

export function messengerBody(entries: unknown[][]) {
  return {
    object: 'page',
    entry: entries.map((messaging, i) => ({ id: 'PAGE_ID', time: SENT_AT_S * 1000 + i, messaging })),
  };
}
