/**
 * Delay before retry `attempt` (1-based): exponential from `baseMs`, capped, with jitter in the upper
 * half so chats failing together do not retry in lockstep; a Retry-After is a floor, up to `ceilingMs`
 * (by default the longest wait a model refusal is retried for).
 */
export function retryDelay(
  attempt: number,
  config: { baseMs: number; maxMs: number },
  retryAfterMs = 0,
  random: () => number = Math.random,
  ceilingMs = longestWaitMs(config.maxMs),
): number {
  const exp = Math.min(config.maxMs, config.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  return Math.ceil(Math.max(jittered, Math.min(retryAfterMs, ceilingMs)));
}

/**
 * The longest a platform's own Retry-After on a send is waited out. A throttled platform refuses every
 * earlier try (and may extend its flood control for them), and the chat's later replies would meet the
 * same refusal, so the wait is kept as asked; a day covers Telegram's update retention and WhatsApp's
 * reply window, past which a reply is too stale to be worth holding the chat for.
 */
export const SEND_WAIT_CEILING_MS = 24 * 3_600_000;

/**
 * The longest Retry-After a retry waits for. A refusal asking for more (a spent daily budget) is not
 * retried at all: the chat would hold the message, and every one behind it, for nothing.
 */
export function longestWaitMs(retryMaxMs: number): number {
  return retryMaxMs * 10;
}
