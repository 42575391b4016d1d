import { formatDuration } from '../../durable-objects/rate-limiter/duration.ts';
import type { LimiterSnapshot } from '../../durable-objects/rate-limiter/types.ts';

/** OpenAI's rate-limit headers, for the buckets the key has. */
export function rateLimitHeaders(snapshot: LimiterSnapshot): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const kind of ['requests', 'tokens'] as const) {
    const b = snapshot[kind];
    if (!b) continue;
    headers[`x-ratelimit-limit-${kind}`] = String(b.limit);
    headers[`x-ratelimit-remaining-${kind}`] = String(b.remaining);
    headers[`x-ratelimit-reset-${kind}`] = formatDuration(b.resetMs);
  }
  return headers;
}
