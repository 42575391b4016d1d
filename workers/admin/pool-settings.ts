import type { z } from '@hono/zod-openapi';
import type { PoolConfig } from '../../schemas/config.ts';

/**
 * The longest any pool timeout may be: a day. Timers past 2^31 ms fire at once in the runtime, and a
 * lease or queue slot held longer than a day is a stuck request, not a slow one.
 */
export const MAX_POOL_TIMEOUT_MS = 86_400_000;

type Ctx = z.core.$RefinementCtx<PoolConfig>;

function refuse(ctx: Ctx, path: (string | number)[], message: string): void {
  ctx.addIssue({ code: 'custom', path, message });
}

/**
 * Settings of a pool that contradict each other, so that one of them could never take effect: a
 * first value above the cap that bounds it (retry delays, breaker cooldowns), a phase timeout longer
 * than the request's total limit, and timeouts without a sane bound.
 */
export function checkPoolSettings(pool: PoolConfig, ctx: Ctx): void {
  const { timeouts, retry, breaker, slo } = pool;
  for (const field of ['headersMs', 'firstTokenMs', 'idleMs', 'totalMs'] as const) {
    if (timeouts[field] > MAX_POOL_TIMEOUT_MS)
      refuse(ctx, ['timeouts', field], `at most ${MAX_POOL_TIMEOUT_MS} ms (a day)`);
  }
  // Each phase runs inside the total limit, which would cut it short first.
  for (const field of ['headersMs', 'firstTokenMs', 'idleMs'] as const) {
    if (timeouts[field] > timeouts.totalMs)
      refuse(ctx, ['timeouts', field], `at most timeouts.totalMs (${timeouts.totalMs} ms)`);
  }
  if (slo.ttftMs !== undefined && slo.ttftMs > MAX_POOL_TIMEOUT_MS)
    refuse(ctx, ['slo', 'ttftMs'], `at most ${MAX_POOL_TIMEOUT_MS} ms (a day)`);
  // Backoff and cooldown start at the first value and are capped by the second.
  if (retry.baseDelayMs > retry.maxDelayMs)
    refuse(ctx, ['retry', 'baseDelayMs'], `at most retry.maxDelayMs (${retry.maxDelayMs} ms)`);
  if (breaker.cooldownMs > breaker.maxCooldownMs)
    refuse(ctx, ['breaker', 'cooldownMs'], `at most breaker.maxCooldownMs (${breaker.maxCooldownMs} ms)`);
}
