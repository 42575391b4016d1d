import { createApp } from './app.ts';
import type { Env } from './env.ts';
import { purgeExpiredUsage } from './usage/retention.ts';

export { Conversation } from '../durable-objects/conversation/conversation.ts';
export { EnginePool } from '../durable-objects/engine-pool/engine-pool.ts';
export { JobQueue } from '../durable-objects/job-queue/job-queue.ts';
export { RateLimiter } from '../durable-objects/rate-limiter/rate-limiter.ts';

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  // Cron ([triggers] in wrangler.toml): usage retention.
  scheduled: async (_controller, env, ctx) => {
    ctx.waitUntil(purgeExpiredUsage(env.DB, env.ECO_USAGE_RETENTION_DAYS));
  },
} satisfies ExportedHandler<Env>;
