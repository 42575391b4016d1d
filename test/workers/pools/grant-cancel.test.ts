import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import type { AcquireRequest } from '../../../durable-objects/engine-pool/types.ts';
import { PoolConfig } from '../../../schemas/config.ts';
import { leaseOf, requestsFor } from './pool-stub.ts';

// A caller cancels its call when its client leaves, or when the call failed on its side. The pool may
// grant the call at the same moment: the cancel then finds a grant, not a waiter, and must take it
// back, or the slot waits for nobody until its lease expires.

function pool(name: string) {
  const config = PoolConfig.parse({
    name,
    protocol: 'vllm',
    origins: [{ id: 'o1', url: `http://${name}.test`, capacity: 1 }],
    queue: { maxWaitMs: 3000 },
    health: { enabled: false },
  });
  const stub = env.ENGINE_POOL.getByName(name);
  const queued = (depth: number) =>
    vi.waitFor(async () => expect((await stub.state()).queue.depth).toBe(depth), { timeout: 3000 });
  return {
    stub,
    request: requestsFor(config, name),
    queued,
    inFlight: async () => (await stub.state()).inFlight,
  };
}

describe('a cancel that crosses its grant', () => {
  it('takes the granted slot back', async () => {
    const p = pool('gc-crossed');
    const first = leaseOf(await p.stub.acquire(p.request({ cancelKey: 'gc-crossed-a' })));
    const waiting = p.stub.acquire(p.request({ cancelKey: 'gc-crossed-b' }));
    await p.queued(1);
    await p.stub.release(first.id, { kind: 'success', latencyMs: 1 });
    // Granted: the answer is on its way to a caller that has already cancelled.
    expect((await waiting).ok).toBe(true);
    expect(await p.inFlight()).toBe(1);
    await p.stub.cancel('gc-crossed-b');
    expect(await p.inFlight()).toBe(0);
  });

  it('of an immediate grant takes it back as well', async () => {
    const p = pool('gc-immediate');
    expect((await p.stub.acquire(p.request({ cancelKey: 'gc-immediate-a' }))).ok).toBe(true);
    await p.stub.cancel('gc-immediate-a');
    expect(await p.inFlight()).toBe(0);
  });

  it('of another call of the same request leaves the later grant alone', async () => {
    const p = pool('gc-same-request');
    const base = p.request();
    const first = leaseOf(await p.stub.acquire({ ...base, cancelKey: 'gc-same-1' }));
    await p.stub.release(first.id, { kind: 'failure', status: 502 });
    expect((await p.stub.acquire({ ...base, cancelKey: 'gc-same-2' })).ok).toBe(true);
    await p.stub.cancel('gc-same-1');
    expect(await p.inFlight()).toBe(1);
  });
});

describe('two waiters under one request id (a caller that sends no cancel key)', () => {
  it('the first one granted leaves the second one cancellable', async () => {
    const p = pool('gc-shared-id');
    const holder = leaseOf(await p.stub.acquire(p.request()));
    const shared: AcquireRequest = p.request();
    const one = p.stub.acquire(shared);
    await p.queued(1);
    const two = p.stub.acquire(shared);
    await p.queued(2);
    await p.stub.release(holder.id, { kind: 'success', latencyMs: 1 });
    expect((await one).ok).toBe(true);
    await p.stub.cancel(shared.requestId);
    // Withdrawn at once, not left to time out in the queue.
    expect(await two).toMatchObject({ ok: false, reason: 'cancelled' });
  });
});
