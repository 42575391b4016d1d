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
  return Math.ceil(Math.max(jittered, Math.min(retryAfterMs, config.maxMs * 10)));
}
