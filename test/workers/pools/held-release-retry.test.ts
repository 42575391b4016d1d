import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { LeaseRelease } from '../../../durable-objects/engine-pool/types.ts';
import { PoolConfig } from '../../../schemas/config.ts';
import { admit } from '../../../workers/dispatch/admission.ts';
import type { Env } from '../../../workers/env.ts';

// A success is held back in the isolate and leaves in a batch. When the call carrying the batch fails
// (an overloaded pool object), the release goes once more with the next call rather than leaving its
// slot taken until the lease expires.

function pool(name: string) {
  const config = PoolConfig.parse({
    name,
    protocol: 'vllm',
    origins: [{ id: 'o1', url: `http://${name}.test`, capacity: 64 }],
    health: { enabled: false },
  });
  const real = env.ENGINE_POOL.getByName(name);
  const sent: LeaseRelease[][] = [];
  let failing = 0;
  // The pool object as the isolate sees it, whose next `releaseMany` fails when asked to.
  const stub = {
    acquire: (r: Parameters<typeof real.acquire>[0]) => real.acquire(r),
    release: (id: string, o: Parameters<typeof real.release>[1]) => real.release(id, o),
    cancel: (id: string) => real.cancel(id),
    releaseMany: async (items: LeaseRelease[]) => {
      sent.push(items);
      if (failing > 0) {
        failing--;
        throw new Error('pool object overloaded');
      }
      await real.releaseMany(items);
    },
  };
  const flaky = { ENGINE_POOL: { getByName: () => stub } } as unknown as Env;
  const base = { tenant: 't', priority: 'normal' as const, avoid: [] as string[] };
  return {
    config,
    flaky,
    base,
    sent,
    failNextSend: (sends = 1) => {
      failing = sends;
    },
    inFlight: async () => (await real.state()).inFlight,
  };
}

describe('a held release whose batch fails to send', () => {
  it('goes again with the next call, so its slot is freed', async () => {
    const p = pool('held-retry-plain');
    const admitted = await admit(p.flaky, p.config, { ...p.base, requestId: 'hrp-1' });
    expect(admitted.lease.block).toBeUndefined();
    expect(await p.inFlight()).toBe(1);
    p.failNextSend();
    await expect(admitted.release({ kind: 'success', latencyMs: 5 })).resolves.toBeUndefined();
    expect(p.sent).toHaveLength(2);
    expect(await p.inFlight()).toBe(0);
  });

  it("of a closed block goes again, so the block's last slot is freed", async () => {
    const p = pool('held-retry-block');
    const waitUntil = (promise: Promise<unknown>) => void promise.catch(() => {});
    const first = await admit(p.flaky, p.config, { ...p.base, requestId: 'hrb-1', waitUntil });
    expect(first.lease.id).toContain('#');
    const second = await admit(p.flaky, p.config, { ...p.base, requestId: 'hrb-2', waitUntil });
    // A failure ends the block at once: it keeps only the slot still busy.
    await second.release({ kind: 'failure', status: 502 });
    expect(await p.inFlight()).toBe(1);
    p.failNextSend();
    await expect(first.release({ kind: 'success', latencyMs: 5 })).resolves.toBeUndefined();
    expect(await p.inFlight()).toBe(0);
    // The outcome went with the failed call only: a block's outcome is never sent twice.
    const again = p.sent.at(-1)!;
    expect(again).toEqual([{ leaseId: first.lease.id.split('#')[0], keepSlots: 0 }]);
  });

  it('that shares its retry with a fresh release, and fails again, still leaves the fresh one one more try', async () => {
    const p = pool('held-retry-shared');
    const a = await admit(p.flaky, p.config, { ...p.base, requestId: 'hrs-1' });
    const b = await admit(p.flaky, p.config, { ...p.base, requestId: 'hrs-2' });
    expect(await p.inFlight()).toBe(2);
    p.failNextSend(2);
    // a's batch fails; its retry and b's fresh release leave together, and that call fails too.
    const first = a.release({ kind: 'success', latencyMs: 5 });
    // b is released once a's first call has failed (and a waits to go again).
    for (let i = 0; i < 200 && p.sent.length < 1; i++) await new Promise((r) => setTimeout(r, 5));
    await Promise.all([first, b.release({ kind: 'success', latencyMs: 5 })]);
    const ids = p.sent.map((batch) => batch.map((item) => item.leaseId));
    expect(ids).toEqual([[a.lease.id], [a.lease.id, b.lease.id], [b.lease.id]]);
    // a failed twice and is left to its lease's expiry; b was freed.
    expect(await p.inFlight()).toBe(1);
  });
});
