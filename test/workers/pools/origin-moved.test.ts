import { describe, expect, it } from 'vitest';
import { ProbeRounds } from '../../../durable-objects/engine-pool/probe-rounds.ts';
import { PoolConfig } from '../../../schemas/config.ts';
import { mockOrigin } from '../helpers/origin-mock.ts';
import { coreHarness, grantedLease } from './core-harness.ts';

// An origin whose URL changes keeps its id but is a new machine: what its old URL did afterwards
// (requests still running there, a probe round under way) must not judge the new one.

const OLD = 'http://moved-old.test';
const NEW = 'http://moved-new.test';

function origins(url: string) {
  return {
    origins: [{ id: 'o1', url, capacity: 32 }],
    breaker: { consecutiveFailures: 2, cooldownMs: 1000, halfOpenProbes: 1, successesToClose: 1 },
  };
}

function setup() {
  const h = coreHarness(origins(OLD));
  const move = () =>
    h.core.configure(PoolConfig.parse({ name: 'p', protocol: 'vllm', ...origins(NEW) }), 'k2');
  return { ...h, move, slot: () => h.core.slots.get('o1')! };
}

describe('an origin moved to a new URL', () => {
  it('is not backed off by a Retry-After its old URL sent, and the old lease still frees its slot', () => {
    const { core, request, acquire, clock, move, slot } = setup();
    const old = grantedLease(acquire(request()).box.result);
    move();
    core.release(old.id, { kind: 'backoff', status: 429, retryAfterMs: 600_000 });
    expect(core.leases.inFlight('o1')).toBe(0);
    expect(slot().breaker.availableAt(clock.now)).toBe(clock.now);
    expect(grantedLease(acquire(request()).box.result).url).toBe(NEW);
  });

  it('keeps its circuit closed when requests sent to its old URL fail', () => {
    const { core, request, acquire, move, slot } = setup();
    const old = [0, 1, 2].map(() => grantedLease(acquire(request()).box.result));
    move();
    for (const lease of old) core.release(lease.id, { kind: 'failure', status: 502 });
    expect(slot().breaker.state).toBe('closed');
    expect(slot().stats.outcomes.failure).toBeUndefined();
    expect(core.leases.inFlight('o1')).toBe(0);
  });

  it('still learns from requests sent to its new URL', () => {
    const { core, request, acquire, move, slot } = setup();
    move();
    for (let i = 0; i < 2; i++)
      core.release(grantedLease(acquire(request()).box.result).id, { kind: 'failure', status: 502 });
    expect(slot().breaker.state).toBe('open');
  });

  it('ignores late block outcomes that name its old URL, and counts those that name none', () => {
    const { core, request, acquire, move, slot } = setup();
    const block = grantedLease(acquire(request({ block: true })).box.result);
    expect(block.block).toBeDefined();
    core.releaseMany([{ leaseId: block.id, keepSlots: 0 }]);
    move();
    const failure = { kind: 'failure', status: 502 } as const;
    core.releaseMany([
      { leaseId: block.id, outcome: failure, keepSlots: 0, originId: 'o1', url: OLD },
      { leaseId: block.id, outcome: failure, keepSlots: 0, originId: 'o1', url: OLD },
    ]);
    expect(slot().breaker.state).toBe('closed');
    core.releaseMany([
      { leaseId: block.id, outcome: failure, keepSlots: 0, originId: 'o1' },
      { leaseId: block.id, outcome: failure, keepSlots: 0, originId: 'o1', url: NEW },
    ]);
    expect(slot().breaker.state).toBe('open');
  });

  it('drops a probe result of its old URL and keeps one of its new URL', () => {
    const { core, clock, move, slot } = setup();
    move();
    core.recordProbe('o1', OLD, { state: 'down', checkedAt: clock.now, latencyMs: 1, error: 'refused' });
    expect(slot().probe).toBeUndefined();
    core.recordProbe('o1', NEW, { state: 'loading', checkedAt: clock.now, latencyMs: 1 });
    expect(slot().probe?.state).toBe('loading');
  });

  it('is not marked down by a probe round that began at its old URL', async () => {
    const { core, move, slot } = setup();
    const rounds = new ProbeRounds(() => core, {});
    // The old machine is down, and the origin moves while the round waits for its answer.
    mockOrigin('moved-old.test', () => {
      move();
      return new Response('gone', { status: 500 });
    });
    core.lastUsedAt = Date.now();
    await rounds.runIfDue(Date.now());
    expect(slot().url).toBe(NEW);
    expect(slot().probe).toBeUndefined();
  });
});
