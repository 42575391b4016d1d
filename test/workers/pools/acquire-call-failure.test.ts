import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import type { AcquireRequest, LeaseRelease } from '../../../durable-objects/engine-pool/types.ts';
import { PoolConfig } from '../../../schemas/config.ts';
import { EcoError } from '../../../schemas/errors.ts';
import { admit } from '../../../workers/dispatch/admission.ts';
import type { Env } from '../../../workers/env.ts';

// An `acquire` whose call fails on the caller's side while the pool object lives on: what it may have
// queued or granted goes back, what rode along with it is not lost, and the failure is told as the
// pool's refusal (503 with Retry-After), never as an unexplained 500.

/** What the runtime throws for a connection lost to a Durable Object. */
const connectionLost = () => Object.assign(new Error('Network connection lost.'), { retryable: true });

function pool(name: string) {
  const config = PoolConfig.parse({
    name,
    protocol: 'vllm',
    origins: [{ id: 'o1', url: `http://${name}.test`, capacity: 8 }],
    health: { enabled: false },
  });
  const real = env.ENGINE_POOL.getByName(name);
  const mode = { acquire: 'ok' as 'ok' | 'lost-answer' | 'down', releases: 'ok' as 'ok' | 'down' };
  const cancels: string[] = [];
  const stub = {
    acquire: async (r: AcquireRequest) => {
      if (mode.acquire === 'down') throw connectionLost();
      const result = await real.acquire(r);
      if (mode.acquire === 'lost-answer') throw connectionLost();
      return result;
    },
    release: (id: string, o: Parameters<typeof real.release>[1]) => real.release(id, o),
    cancel: (key: string) => {
      cancels.push(key);
      return real.cancel(key);
    },
    releaseMany: async (items: LeaseRelease[]) => {
      if (mode.releases === 'down') throw connectionLost();
      await real.releaseMany(items);
    },
  };
  const flaky = { ENGINE_POOL: { getByName: () => stub } } as unknown as Env;
  const background: Promise<unknown>[] = [];
  const base = {
    tenant: 't',
    priority: 'normal' as const,
    avoid: [] as string[],
    // No block: each admission goes to the pool object.
    affinityKey: `${name}-affinity`,
    waitUntil: (p: Promise<unknown>) => void background.push(p),
  };
  return {
    config,
    flaky,
    base,
    mode,
    cancels,
    settled: () => Promise.allSettled(background),
    inFlight: async () => (await real.state()).inFlight,
  };
}

describe('an acquire whose call fails', () => {
  it('after the pool granted it has the grant taken back, and is a 503 pool_unavailable', async () => {
    const p = pool('acf-lost-answer');
    p.mode.acquire = 'lost-answer';
    const refused = await admit(p.flaky, p.config, { ...p.base, requestId: 'acf-la-1' }).catch((e) => e);
    expect(refused).toBeInstanceOf(EcoError);
    expect(refused).toMatchObject({ status: 503, code: 'pool_unavailable', retryAfterMs: 1000 });
    expect(p.cancels).toHaveLength(1);
    await p.settled();
    expect(await p.inFlight()).toBe(0);
  });

  it('sends the releases that rode along with it again with a later call', async () => {
    const p = pool('acf-held');
    const first = await admit(p.flaky, p.config, { ...p.base, requestId: 'acf-h-1' });
    expect(await p.inFlight()).toBe(1);
    // Held back in the isolate: it rides along with the next acquire.
    const released = first.release({ kind: 'success', latencyMs: 5 });
    p.mode.acquire = 'down';
    p.mode.releases = 'down';
    const refused = await admit(p.flaky, p.config, { ...p.base, requestId: 'acf-h-2' }).catch((e) => e);
    expect(refused).toMatchObject({ status: 503, code: 'pool_unavailable' });
    // The object answers again before the release's next call.
    p.mode.acquire = 'ok';
    p.mode.releases = 'ok';
    await released;
    await p.settled();
    await vi.waitFor(async () => expect(await p.inFlight()).toBe(0), { timeout: 3000 });
  });

  it('that is no passing failure stays what it is', async () => {
    const p = pool('acf-other');
    const stub = p.flaky.ENGINE_POOL.getByName('acf-other') as unknown as { acquire: unknown };
    stub.acquire = async () => {
      throw new TypeError('broken');
    };
    await expect(admit(p.flaky, p.config, { ...p.base, requestId: 'acf-o-1' })).rejects.toThrow(TypeError);
  });
});
