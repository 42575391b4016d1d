import { JSON_HEADERS, type OutboundRequest, type ReplyTarget, type SendInput } from './types.ts';

/** The Send API URL of the target's page, with the page token as `access_token`. */
export function messengerSendUrl(apiBase: string, target: ReplyTarget, token: string): string {
  const page = target.channelId ? encodeURIComponent(target.channelId) : 'me';
  return `${apiBase}/${page}/messages?access_token=${encodeURIComponent(token)}`;
}

/** Send API `POST /<page-id>/messages` with the page token as `access_token`, as Meta documents it. */
export function messengerRequest(input: SendInput): OutboundRequest {
  const { target } = input;
  const body = {
    recipient: { id: target.chatId },
    // A reply inside the 24 h window opened by the user's message.
    messaging_type: 'RESPONSE',
    message: { text: input.parts[0] ?? '' },
  };
  return {
    url: messengerSendUrl(input.apiBase, target, input.token),
    headers: { ...JSON_HEADERS },
    body: JSON.stringify(body),
    parts: 1,
  };
}
