import { JSON_HEADERS, type OutboundRequest, type SendInput } from './types.ts';

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
    url: `${input.apiBase}/${encodeURIComponent(target.channelId ?? '')}/messages`,
    headers: { ...JSON_HEADERS, authorization: `Bearer ${input.token}` },
    body: JSON.stringify(body),
    parts: 1,
  };
}
