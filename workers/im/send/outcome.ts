/** What a send API answer means for the reply: done, try later, give up, or (LINE) push instead. */
export type SendOutcome =
  | { kind: 'ok' }
  | { kind: 'retry'; status: number; retryAfterMs?: number }
  | { kind: 'permanent'; status: number; detail: string }
  | { kind: 'reply_token_invalid' }
  /** Telegram: the group became a supergroup with a new id; the same part goes there. */
  | { kind: 'chat_moved'; chatId: string }
  /**
   * LINE: the channel's monthly message allowance is spent (429 "You have reached your monthly
   * limit."). Unlike a rate limit, waiting seconds or minutes does not lift it.
   */
  | { kind: 'quota_exhausted'; status: number; detail: string };

/**
 * Graph API codes that mean "slow down" or "try again later" (app, page, account, throughput and
 * pair rate limits, temporary service failures); Meta often answers them with HTTP 400.
 */
const META_TRANSIENT_CODES = new Set([2, 4, 17, 32, 613, 1200, 80007, 130429, 131000, 131056]);

export function classifySend(
  status: number,
  body: string,
  headers: Headers,
  options: { lineReply?: boolean; linePush?: boolean; meta?: boolean; telegram?: boolean } = {},
): SendOutcome {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 400 && options.telegram) {
    const chatId = migratedChat(body);
    if (chatId !== undefined) return { kind: 'chat_moved', chatId };
  }
  // A push repeated with the same retry key after it was accepted: it was delivered.
  if (status === 409 && options.linePush) return { kind: 'ok' };
  if (status === 429 && (options.linePush || options.lineReply) && lineQuotaSpent(body))
    return { kind: 'quota_exhausted', status, detail: body.slice(0, 200) };
  if (status === 400 && options.lineReply) return { kind: 'reply_token_invalid' };
  if (status === 429 || status >= 500 || status === 408 || (options.meta && metaTransient(body))) {
    return { kind: 'retry', status, ...retryAfter(body, headers) };
  }
  return { kind: 'permanent', status, detail: body.slice(0, 200) };
}

/** Telegram's `parameters.migrate_to_chat_id`: where a group upgraded to a supergroup now lives. */
function migratedChat(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { parameters?: { migrate_to_chat_id?: unknown } }).parameters
      ?.migrate_to_chat_id;
    return typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * LINE's answer when the month's messages are used up: `{"message":"You have reached your monthly
 * limit."}`. Its rate limit answers 429 too, with "The API rate limit has been exceeded…".
 */
function lineQuotaSpent(body: string): boolean {
  try {
    const message = (JSON.parse(body) as { message?: unknown }).message;
    return typeof message === 'string' && /monthly limit/i.test(message);
  } catch {
    return false;
  }
}

function metaTransient(body: string): boolean {
  try {
    const error = (JSON.parse(body) as { error?: { code?: unknown; is_transient?: unknown } }).error;
    return error?.is_transient === true || META_TRANSIENT_CODES.has(Number(error?.code));
  } catch {
    return false;
  }
}

function retryAfter(body: string, headers: Headers): { retryAfterMs?: number } {
  const value = headers.get('retry-after')?.trim() ?? '';
  const seconds = Number(value);
  if (value !== '' && Number.isFinite(seconds)) {
    if (seconds > 0) return { retryAfterMs: seconds * 1000 };
  } else if (value !== '') {
    // The HTTP-date form.
    const ms = Date.parse(value) - Date.now();
    if (Number.isFinite(ms) && ms > 0) return { retryAfterMs: ms };
  }
  try {
    // Telegram: {"ok":false,"error_code":429,"parameters":{"retry_after":3}}
    const seconds = (JSON.parse(body) as { parameters?: { retry_after?: unknown } }).parameters?.retry_after;
    if (typeof seconds === 'number' && seconds > 0) return { retryAfterMs: seconds * 1000 };
  } catch {
    // not JSON: no hint
  }
  return {};
}
