/**
 * Delay before retry `attempt` (1-based): exponential from `baseMs`, capped, with jitter in the upper
 * half so chats failing together do not retry in lockstep; a platform's Retry-After is a floor.
 */
export function retryDelay(
  attempt: number,
  config: { baseMs: number; maxMs: number },
  retryAfterMs = 0,
  random: () => number = Math.random,
): number {
  const exp = Math.min(config.maxMs, config.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  return Math.ceil(Math.max(jittered, Math.min(retryAfterMs, longestWaitMs(config.maxMs))));
}

/**
 * The longest Retry-After a retry waits for. A refusal asking for more (a spent daily budget) is not
 * retried at all: the chat would hold the message, and every one behind it, for nothing.
 */
export function longestWaitMs(retryMaxMs: number): number {
  return retryMaxMs * 10;
}
