import type { OutboundRequest } from './types.ts';

/**
 * One call to a platform's send API. A redirect is never followed: it would carry the bot's access
 * token (in the URL or a header) to wherever it points, so a 3xx comes back as the platform's answer,
 * a failed send.
 */
export function platformFetch(
  request: OutboundRequest,
  timeoutMs: number,
  send: typeof fetch = fetch,
): Promise<Response> {
  return send(request.url, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'manual',
  });
}
