import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import type { RateLimiter } from '../../../durable-objects/rate-limiter/rate-limiter.ts';
import type { ReserveRequest, SettleEntry } from '../../../durable-objects/rate-limiter/types.ts';
import { EcoError } from '../../../schemas/errors.ts';
import { REFUSED_BY_HEADER } from '../../../workers/dispatch/refused-by.ts';
import type { Env } from '../../../workers/env.ts';
import { reserveForId } from '../../../workers/limits/limit-id.ts';

// A key's limiter object that fails in a passing way: the request gets a 503 it may retry (marked as
// refused before any origin saw it), and the settles that rode along with the failed call are not
// lost, so the key's concurrency is not held until the reservations expire.

const connectionLost = () => Object.assign(new Error('Network connection lost.'), { retryable: true });

function limiterOf(id: string) {
  const real = (env.RATE_LIMITER as unknown as DurableObjectNamespace<RateLimiter>).getByName(id);
  const mode = { down: false };
  const stub = {
    reserve: async (req: ReserveRequest) => {
      if (mode.down) throw connectionLost();
      return real.reserve(req);
    },
    settleMany: async (items: SettleEntry[]) => {
      if (mode.down) throw connectionLost();
      return real.settleMany(items);
    },
    renew: (...args: Parameters<typeof real.renew>) => real.renew(...args),
  };
  const flaky = { ...env, RATE_LIMITER: { getByName: () => stub } } as unknown as Env;
  return { flaky, mode, inFlight: async () => (await real.inspect()).inFlight };
}

describe('a limiter call that fails in a passing way', () => {
  it('is a 503 limiter_unavailable with Retry-After, refused before any origin saw the request', async () => {
    const l = limiterOf('lcf-refusal');
    l.mode.down = true;
    const refused = await reserveForId(l.flaky, 'lcf-refusal', { maxConcurrent: 1 }, 'lcf-r-1', 0).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(EcoError);
    expect(refused).toMatchObject({ status: 503, code: 'limiter_unavailable', retryAfterMs: 1000 });
    expect((refused as EcoError).headers?.[REFUSED_BY_HEADER]).toBe('pool');
  });

  it('does not lose the settles that rode along with it', async () => {
    const l = limiterOf('lcf-settles');
    const limits = { maxConcurrent: 1 };
    const first = await reserveForId(l.flaky, 'lcf-settles', limits, 'lcf-s-1', 0);
    expect(await l.inFlight()).toBe(1);
    // Held back in the isolate: it rides along with the next reserve, which fails.
    const settled = first.settle(0);
    l.mode.down = true;
    await expect(reserveForId(l.flaky, 'lcf-settles', limits, 'lcf-s-2', 0)).rejects.toMatchObject({
      code: 'limiter_unavailable',
    });
    l.mode.down = false;
    await settled;
    await vi.waitFor(async () => expect(await l.inFlight()).toBe(0), { timeout: 3000 });
  });
});
