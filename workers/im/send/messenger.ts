import { JSON_HEADERS, type OutboundRequest, type SendInput } from './types.ts';

/** Send API `POST /<page-id>/messages` with the page token as `access_token`, as Meta documents it. */
export function messengerRequest(input: SendInput): OutboundRequest {
  const { target } = input;
  const page = target.channelId ? encodeURIComponent(target.channelId) : 'me';
  const body = {
    recipient: { id: target.chatId },
    // A reply inside the 24 h window opened by the user's message.
    messaging_type: 'RESPONSE',
    message: { text: input.parts[0] ?? '' },
  };
  return {
    url: `${input.apiBase}/${page}/messages?access_token=${encodeURIComponent(input.token)}`,
    headers: { ...JSON_HEADERS },
    body: JSON.stringify(body),
    parts: 1,
  };
}
