import { JSON_HEADERS, type OutboundRequest, type SendInput } from './types.ts';

/** LINE accepts at most five message objects per reply or push. */
export const LINE_MAX_MESSAGES = 5;

/** Reply tokens are single use and expire after about a minute; past this age, push instead. */
export const LINE_REPLY_TOKEN_MAX_AGE_MS = 50_000;

function messages(parts: string[]) {
  return parts.slice(0, LINE_MAX_MESSAGES).map((text) => ({ type: 'text', text }));
}

/** The reply API: free, but only with a fresh, unused reply token. */
export function lineReplyRequest(input: SendInput): OutboundRequest {
  const batch = messages(input.parts);
  return {
    url: `${input.apiBase}/v2/bot/message/reply`,
    headers: { ...JSON_HEADERS, authorization: `Bearer ${input.token}` },
    body: JSON.stringify({ replyToken: input.target.replyToken ?? '', messages: batch }),
    parts: batch.length,
  };
}

/** The push API; the retry key makes a repeated call (after a timeout) deliver at most once. */
export function linePushRequest(input: SendInput, retryKey: string): OutboundRequest {
  const batch = messages(input.parts);
  return {
    url: `${input.apiBase}/v2/bot/message/push`,
    headers: { ...JSON_HEADERS, authorization: `Bearer ${input.token}`, 'x-line-retry-key': retryKey },
    body: JSON.stringify({ to: input.target.chatId, messages: batch }),
    parts: batch.length,
  };
}

/**
 * A UUID derived from the event, the position in the reply and what is sent, so every retry reuses
 * the same key. The apology gets keys of its own: LINE answers 409 to a key it once accepted, so an
 * apology reusing the key of a reply part already pushed would be counted as sent but never shown.
 */
export async function lineRetryKey(
  eventId: string,
  offset: number,
  phase: 'reply' | 'apology' = 'reply',
): Promise<string> {
  // The reply's key material is unchanged, so pushes in flight across a deploy keep their keys.
  const material = phase === 'reply' ? `${eventId}#${offset}` : `${eventId}#${phase}#${offset}`;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(material)));
  digest[6] = (digest[6]! & 0x0f) | 0x40;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The ids of the messages a reply or push delivered (`sentMessages[].id`), in order; empty when the
 * answer carries none (a 409 for a push already made, a body cut short).
 */
export function lineSentMessageIds(body: string): string[] {
  try {
    const sent = (JSON.parse(body) as { sentMessages?: unknown }).sentMessages;
    if (!Array.isArray(sent)) return [];
    return sent
      .map((m) => (m as { id?: unknown } | null)?.id)
      .filter((id): id is string => typeof id === 'string' && id !== '');
  } catch {
    return [];
  }
}
