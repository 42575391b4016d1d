/** What a send API answer means for the reply: done, try later, give up, or (LINE) push instead. */
export type SendOutcome =
  | { kind: 'ok' }
  | { kind: 'retry'; status: number; retryAfterMs?: number }
  | { kind: 'permanent'; status: number; detail: string }
  | { kind: 'reply_token_invalid' };

export function classifySend(
  status: number,
  body: string,
  headers: Headers,
  options: { lineReply?: boolean; linePush?: boolean } = {},
): SendOutcome {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  // A push repeated with the same retry key after it was accepted: it was delivered.
  if (status === 409 && options.linePush) return { kind: 'ok' };
  if (status === 400 && options.lineReply) return { kind: 'reply_token_invalid' };
  if (status === 429 || status >= 500 || status === 408) {
    return { kind: 'retry', status, ...retryAfter(body, headers) };
  }
  return { kind: 'permanent', status, detail: body.slice(0, 200) };
}

function retryAfter(body: string, headers: Headers): { retryAfterMs?: number } {
  const header = Number(headers.get('retry-after'));
  if (Number.isFinite(header) && header > 0) return { retryAfterMs: header * 1000 };
  try {
    // Telegram: {"ok":false,"error_code":429,"parameters":{"retry_after":3}}
    const seconds = (JSON.parse(body) as { parameters?: { retry_after?: unknown } }).parameters?.retry_after;
    if (typeof seconds === 'number' && seconds > 0) return { retryAfterMs: seconds * 1000 };
  } catch {
    // not JSON: no hint
  }
  return {};
}
