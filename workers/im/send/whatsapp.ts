import { JSON_HEADERS, type OutboundRequest, type ReplyTarget, type SendInput } from './types.ts';

/** The Cloud API messages URL of the target's business phone number. */
export function whatsappMessagesUrl(apiBase: string, target: ReplyTarget): string {
  return `${apiBase}/${encodeURIComponent(target.channelId ?? '')}/messages`;
}

/** Cloud API `POST /<phone-number-id>/messages`; the first part quotes the inbound message. */
export function whatsappRequest(input: SendInput): OutboundRequest {
  const { target } = input;
  const body = {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: target.address ?? target.chatId,
    type: 'text',
    text: { preview_url: false, body: input.parts[0] ?? '' },
    ...(input.offset === 0 && target.messageId ? { context: { message_id: target.messageId } } : {}),
  };
  return {
    url: whatsappMessagesUrl(input.apiBase, target),
    headers: { ...JSON_HEADERS, authorization: `Bearer ${input.token}` },
    body: JSON.stringify(body),
    parts: 1,
  };
}
