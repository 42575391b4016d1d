import { describe, expect, it } from 'vitest';
import type { AcquireRequest, AcquireResult } from '../../../durable-objects/engine-pool/types.ts';
import { PoolConfig, type PriorityClass } from '../../../schemas/config.ts';
import { coreHarness } from './core-harness.ts';

function setup(
  overrides: Record<string, unknown> = {},
  origins = [
    { id: 'o1', capacity: 1 },
    { id: 'o2', capacity: 1 },
  ],
) {
  const h = coreHarness({
    origins: origins.map((o) => ({ ...o, url: `http://${o.id}.test` })),
    breaker: { consecutiveFailures: 2, cooldownMs: 1000, halfOpenProbes: 1, successesToClose: 1 },
    queue: { maxDepth: 3, maxWaitMs: 5000 },
    timeouts: { totalMs: 10_000 },
    ...overrides,
  });
  const req = (priority: PriorityClass = 'normal', tenant = 't', extra: Partial<AcquireRequest> = {}) =>
    h.request({ tenant, priority, ...extra });
  const acquire = (r: AcquireRequest) => ({ ...h.acquire(r), r });
  return { core: h.core, req, acquire, advance: h.advance, now: () => h.clock.now };
}

const lease = (r?: AcquireResult) => (r?.ok ? r.lease : undefined);

describe('pool core: admission and queue', () => {
  it('grants the least loaded origin, then queues when full, and serves the queue on release', () => {
    const { core, req, acquire } = setup();
    const a = acquire(req());
    const b = acquire(req());
    expect(new Set([lease(a.box.result)?.originId, lease(b.box.result)?.originId])).toEqual(
      new Set(['o1', 'o2']),
    );
    const c = acquire(req());
    expect(c.box.result).toBeUndefined();
    expect(core.queue.size).toBe(1);
    core.release(lease(a.box.result)!.id, { kind: 'success', latencyMs: 10 });
    expect(lease(c.box.result)?.originId).toBe(lease(a.box.result)?.originId);
    expect(core.queue.size).toBe(0);
  });

  it('serves waiters by priority, and a newcomer does not overtake waiters of its class', () => {
    const { core, req, acquire } = setup({}, [{ id: 'o1', capacity: 1 }]);
    const first = acquire(req());
    const low = acquire(req('low'));
    const normal = acquire(req('normal'));
    const high = acquire(req('high'));
    const order: string[] = [];
    for (const [name, w] of [
      ['low', low],
      ['normal', normal],
      ['high', high],
    ] as const)
      expect(w.box.result, name).toBeUndefined();
    let current = lease(first.box.result)!;
    for (let i = 0; i < 3; i++) {
      core.release(current.id, { kind: 'success' });
      const next = [low, normal, high].find((w) => w.box.result && !order.includes(w.r.priority));
      order.push(next!.r.priority);
      current = lease(next!.box.result)!;
    }
    expect(order).toEqual(['high', 'normal', 'low']);
  });

  it('sheds the lowest class first when the queue is full, with an honest Retry-After', () => {
    const { core, req, acquire } = setup({}, [{ id: 'o1', capacity: 1 }]);
    acquire(req());
    const lows = [acquire(req('low')), acquire(req('low')), acquire(req('low'))];
    const high = acquire(req('high'));
    expect(high.box.result).toBeUndefined(); // queued
    const shed = lows.filter((w) => w.box.result);
    expect(shed).toHaveLength(1);
    expect(shed[0]!.box.result).toMatchObject({ ok: false, reason: 'shed' });
    expect((shed[0]!.box.result as { retryAfterMs: number }).retryAfterMs).toBeGreaterThanOrEqual(1000);
    // Nothing below `low` to shed: a low newcomer is refused outright.
    expect(acquire(req('low')).box.result).toMatchObject({ ok: false, reason: 'full' });
    expect(core.admissions.rejected_shed).toBe(1);
  });

  it('Retry-After follows the drain rate', () => {
    const { core, req, acquire, advance } = setup({ queue: { maxDepth: 0, maxWaitMs: 5000 } }, [
      { id: 'o1', capacity: 1 },
    ]);
    // 20 releases over ~2 s: 2 per second in the 10 s window.
    for (let i = 0; i < 20; i++) {
      const w = acquire(req());
      core.release(lease(w.box.result)!.id, { kind: 'success' });
      advance(100);
    }
    acquire(req());
    const refused = acquire(req()).box.result as { retryAfterMs: number };
    expect(refused.retryAfterMs).toBe(1000); // (0 ahead + 1) / 2 per s = 500 ms, clamped to 1 s
  });

  it('expires a waiter at its deadline and cancels one whose caller left', () => {
    const { core, req, acquire } = setup({}, [{ id: 'o1', capacity: 1 }]);
    acquire(req());
    const w1 = acquire(req());
    const w2 = acquire(req());
    core.expire(w1.waiter!, 'timeout');
    core.expire(w2.waiter!, 'cancelled');
    expect(w1.box.result).toMatchObject({ ok: false, reason: 'timeout' });
    expect(w2.box.result).toMatchObject({ ok: false, reason: 'cancelled' });
    expect(core.queue.size).toBe(0);
    core.expire(w1.waiter!, 'timeout'); // idempotent: no second resolve
  });

  it('a dead origin is skipped: failures open its breaker and traffic moves to the other', () => {
    const { core, req, acquire } = setup();
    for (let i = 0; i < 2; i++) {
      const w = acquire(req('normal', 't', { avoid: ['o2'] }));
      expect(lease(w.box.result)?.originId).toBe('o1');
      core.release(lease(w.box.result)!.id, { kind: 'failure', status: 502 });
    }
    expect(core.slots.get('o1')!.breaker.state).toBe('open');
    for (let i = 0; i < 3; i++) {
      const w = acquire(req());
      expect(lease(w.box.result)?.originId).toBe('o2');
      core.release(lease(w.box.result)!.id, { kind: 'success' });
    }
  });

  it('all origins open: queued waiters and newcomers get 503-style refusals with the cooldown as Retry-After', () => {
    const { core, req, acquire } = setup({}, [{ id: 'o1', capacity: 1 }]);
    const a = acquire(req());
    const queued = acquire(req());
    core.release(lease(a.box.result)!.id, { kind: 'failure' });
    // The queued one got the slot; fail it too: the breaker opens and nobody is left waiting.
    const b = lease(queued.box.result)!;
    const third = acquire(req());
    core.release(b.id, { kind: 'failure' });
    expect(third.box.result).toMatchObject({ ok: false, reason: 'open' });
    expect((third.box.result as { retryAfterMs: number }).retryAfterMs).toBe(1000);
    expect(acquire(req()).box.result).toMatchObject({ ok: false, reason: 'open' });
  });

  it('half-open: the recovering origin gets the trial request first, and a success closes it', () => {
    const { core, req, acquire, advance } = setup();
    for (let i = 0; i < 2; i++) {
      const w = acquire(req('normal', 't', { avoid: ['o2'] }));
      core.release(lease(w.box.result)!.id, { kind: 'failure' });
    }
    advance(1000);
    core.tick();
    expect(core.slots.get('o1')!.breaker.state).toBe('half_open');
    const trial = acquire(req());
    expect(lease(trial.box.result)).toMatchObject({ originId: 'o1', probe: true });
    core.release(lease(trial.box.result)!.id, { kind: 'success', latencyMs: 5 });
    expect(core.slots.get('o1')!.breaker.state).toBe('closed');
  });

  it('a 429 with Retry-After backs the origin off without opening it', () => {
    const { core, req, acquire, advance } = setup();
    const w = acquire(req('normal', 't', { avoid: ['o2'] }));
    core.release(lease(w.box.result)!.id, { kind: 'backoff', status: 429, retryAfterMs: 2000 });
    const slot = core.slots.get('o1')!;
    expect(slot.breaker.state).toBe('closed');
    for (let i = 0; i < 3; i++) {
      const x = acquire(req());
      expect(lease(x.box.result)?.originId).toBe('o2');
      core.release(lease(x.box.result)!.id, { kind: 'success' });
    }
    advance(2000);
    expect(lease(acquire(req('normal', 't', { avoid: ['o2'] })).box.result)?.originId).toBe('o1');
  });

  it('a slow first token over the SLO counts as a failure; client errors never trip', () => {
    const { core, req, acquire } = setup({ slo: { ttftMs: 100 } }, [{ id: 'o1', capacity: 5 }]);
    for (let i = 0; i < 10; i++) {
      const w = acquire(req());
      core.release(lease(w.box.result)!.id, { kind: 'client_error', status: 400 });
    }
    expect(core.slots.get('o1')!.breaker.state).toBe('closed');
    for (let i = 0; i < 2; i++) {
      const w = acquire(req());
      core.release(lease(w.box.result)!.id, { kind: 'success', ttftMs: 500 });
    }
    expect(core.slots.get('o1')!.breaker.state).toBe('open');
    expect(core.slots.get('o1')!.stats.outcomes.slow).toBe(2);
  });

  it('a loading origin (by probe) is not routed to', () => {
    const { core, req, acquire, now } = setup();
    core.recordProbe('o1', 'http://o1.test', { state: 'loading', checkedAt: now(), latencyMs: 1 });
    for (let i = 0; i < 3; i++) {
      const w = acquire(req());
      expect(lease(w.box.result)?.originId).toBe('o2');
      core.release(lease(w.box.result)!.id, { kind: 'success' });
    }
  });

  it('turning health checks off forgets the last probe: a down origin is routed to again', () => {
    const { core, req, acquire, now } = setup({}, [{ id: 'o1', capacity: 2 }]);
    core.recordProbe('o1', 'http://o1.test', {
      state: 'down',
      checkedAt: now(),
      latencyMs: 1,
      error: 'connection refused',
    });
    expect(acquire(req()).box.result).toMatchObject({ ok: false, reason: 'open' });
    // No probe will run again to clear it: the old verdict must not keep the origin out for good.
    const config = PoolConfig.parse({
      name: 'p',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: 'http://o1.test', capacity: 2 }],
      health: { enabled: false },
    });
    core.configure(config, 'k2');
    expect(lease(acquire(req()).box.result)?.originId).toBe('o1');
    // A probe round that was already running when they were turned off reports afterwards: ignored.
    core.recordProbe('o1', 'http://o1.test', {
      state: 'down',
      checkedAt: now(),
      latencyMs: 1,
      error: 'late',
    });
    expect(lease(acquire(req()).box.result)?.originId).toBe('o1');
  });

  it('a probe that finds the last usable origin down refuses the waiters at once, so they fail over', () => {
    const { core, req, acquire, now } = setup({}, [{ id: 'o1', capacity: 1 }]);
    acquire(req());
    const waiting = acquire(req());
    expect(waiting.waiter?.queueState).toBe('waiting');
    core.recordProbe('o1', 'http://o1.test', {
      state: 'down',
      checkedAt: now(),
      latencyMs: 1,
      error: 'connection refused',
    });
    // A 503 now (the next pool of the chain may serve it), not a 429 once its 5 s wait is over.
    expect(waiting.box.result).toMatchObject({ ok: false, reason: 'open' });
    expect(core.queue.size).toBe(0);
  });

  it('a lease outlives a model pull on an engine that pulls on demand', () => {
    const h = coreHarness({
      protocol: 'ollama',
      origins: [{ id: 'o1', url: 'http://o1.test', capacity: 1 }],
      timeouts: { headersMs: 1_000, idleMs: 2_000, totalMs: 10_000 },
      options: { pullTimeoutMs: 60_000 },
    });
    h.acquire(h.request({ tenant: 't', priority: 'normal' }));
    // The answer that the model is missing (headers, error body), the pull's headers and a pull of up
    // to a minute, then the re-issued request's headers and total, then the margin.
    h.advance(1_000 + 2_000 + 1_000 + 60_000 + 1_000 + 10_000 + 29_000);
    expect(h.core.tick().expired).toBe(0);
    h.advance(1_000);
    expect(h.core.tick().expired).toBe(1);
  });

  it('sweeps leases past their TTL so a vanished caller never keeps a slot', () => {
    const { core, req, acquire, advance } = setup({ queue: { maxDepth: 3, maxWaitMs: 120_000 } }, [
      { id: 'o1', capacity: 1 },
    ]);
    acquire(req());
    const waiting = acquire(req());
    // A request may wait headersMs (30 s by default) for its headers, then run totalMs; then the margin.
    advance(30_000 + 10_000 + 29_000);
    expect(core.tick().expired).toBe(0);
    advance(1_000);
    expect(core.tick().expired).toBe(1);
    expect(lease(waiting.box.result)?.originId).toBe('o1');
  });

  it('affinity keeps a conversation on one origin while loads are even', () => {
    const { core, req, acquire } = setup({}, [
      { id: 'o1', capacity: 10 },
      { id: 'o2', capacity: 10 },
      { id: 'o3', capacity: 10 },
    ]);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const w = acquire(req('normal', 't', { affinityKey: 'chat-7' }));
      seen.add(lease(w.box.result)!.originId);
      core.release(lease(w.box.result)!.id, { kind: 'success' });
    }
    expect(seen.size).toBe(1);
  });
});

describe('pool core: deadlines and config changes', () => {
  it('an origin whose cooldown has passed takes a trial even before the alarm half-opens it', () => {
    const { core, req, acquire, advance } = setup({}, [{ id: 'o1', capacity: 1 }]);
    for (let i = 0; i < 2; i++) {
      const w = acquire(req());
      core.release(lease(w.box.result)!.id, { kind: 'failure', status: 502 });
    }
    expect(core.slots.get('o1')!.breaker.state).toBe('open');
    advance(1000); // the cooldown is over; the alarm has not run (late, or lost with an eviction)
    const trial = acquire(req());
    expect(lease(trial.box.result)).toMatchObject({ originId: 'o1', probe: true });
  });

  it('a waiter whose deadline has passed is refused, not granted, when a slot frees late', () => {
    const { core, req, acquire, advance } = setup({}, [{ id: 'o1', capacity: 1 }]);
    const a = acquire(req());
    const late = acquire(req());
    expect(late.waiter?.queueState).toBe('waiting');
    advance(5001); // past maxWaitMs, before the deadline timer ran
    core.release(lease(a.box.result)!.id, { kind: 'success' });
    expect(late.box.result).toMatchObject({ ok: false, reason: 'timeout' });
    expect(core.leases.inFlight('o1')).toBe(0);
  });

  it('a config that adds room serves queued waiters at once', () => {
    const { core, req, acquire } = setup({}, [{ id: 'o1', capacity: 1 }]);
    acquire(req());
    const waiting = acquire(req());
    expect(waiting.waiter?.queueState).toBe('waiting');
    const wider = PoolConfig.parse({
      name: 'p',
      protocol: 'vllm',
      origins: [{ id: 'o1', url: 'http://o1.test', capacity: 2 }],
      queue: { maxDepth: 3, maxWaitMs: 5000 },
    });
    core.configure(wider, 'k2');
    expect(lease(waiting.box.result)?.originId).toBe('o1');
  });
});
