import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Breaker } from '../../../durable-objects/engine-pool/breaker.ts';
import { BreakerConfig } from '../../../schemas/config.ts';

const config = BreakerConfig.parse({
  consecutiveFailures: 3,
  failureRate: 0.5,
  windowMs: 10_000,
  minRequests: 10,
  cooldownMs: 1000,
  maxCooldownMs: 8000,
  halfOpenProbes: 2,
  successesToClose: 2,
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, not before', () => {
    const b = new Breaker(config);
    expect(b.record('failure', 0)).toBe(false);
    expect(b.record('failure', 1)).toBe(false);
    expect(b.state).toBe('closed');
    expect(b.record('failure', 2)).toBe(true);
    expect(b.state).toBe('open');
    expect(b.admits(3).ok).toBe(false);
  });

  it('a success in between resets the consecutive count', () => {
    const b = new Breaker(config);
    b.record('failure', 0);
    b.record('failure', 1);
    b.record('success', 2);
    b.record('failure', 3);
    b.record('failure', 4);
    expect(b.state).toBe('closed');
  });

  it('opens on the failure rate over the window once enough requests were seen', () => {
    const b = new Breaker(config);
    // Alternating: never 3 in a row, but half of them fail.
    for (let i = 0; i < 9; i++) b.record(i % 2 === 0 ? 'failure' : 'success', i);
    expect(b.state).toBe('closed'); // 9 requests < minRequests
    b.record('success', 9);
    expect(b.state).toBe('closed'); // a success never opens
    b.record('failure', 10); // 6 of 11 failed
    expect(b.state).toBe('open');
    expect(b.snapshot().lastReason).toContain('failure rate');
  });

  it('stays closed below the failure rate', () => {
    const b = new Breaker(config);
    for (let i = 0; i < 40; i++) b.record(i % 3 === 0 ? 'failure' : 'success', i);
    expect(b.state).toBe('closed');
  });

  it('forgets failures that slid out of the window', () => {
    const b = new Breaker({ ...config, consecutiveFailures: 100 });
    for (let i = 0; i < 6; i++) b.record('failure', i);
    for (let i = 0; i < 4; i++) b.record('success', 20_000 + i); // old failures are gone
    expect(b.window(20_010)).toEqual({ requests: 4, failures: 0 });
    expect(b.state).toBe('closed');
  });

  it('half-opens after the cooldown, admits a bounded number of trials, closes after enough successes', () => {
    const b = new Breaker(config);
    for (let i = 0; i < 3; i++) b.record('failure', 0);
    expect(b.admits(999).ok).toBe(false);
    expect(b.tick(999)).toBe(false);
    expect(b.tick(1000)).toBe(true);
    expect(b.state).toBe('half_open');
    const first = b.admits(1000);
    expect(first).toEqual({ ok: true, probe: true });
    b.startProbe();
    b.startProbe();
    expect(b.admits(1000).ok).toBe(false); // both trial slots taken
    b.record('success', 1001, true);
    expect(b.state).toBe('half_open');
    b.record('success', 1002, true);
    expect(b.state).toBe('closed');
    expect(b.snapshot().trips).toBe(0);
  });

  it('re-opens on a failed trial with a doubled cooldown, capped', () => {
    const b = new Breaker(config);
    let now = 0;
    for (let i = 0; i < 3; i++) b.record('failure', now);
    const cooldowns: number[] = [];
    for (let trip = 0; trip < 6; trip++) {
      const s = b.snapshot();
      cooldowns.push(s.reopenAt - s.openedAt);
      now = s.reopenAt;
      b.tick(now);
      b.startProbe();
      b.record('failure', now, true);
    }
    expect(cooldowns).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('half-open: a failure of a request sent before the trip is no failed trial', () => {
    const b = new Breaker(config);
    for (let i = 0; i < 3; i++) b.record('failure', 0);
    b.tick(1000);
    b.startProbe();
    // A long request admitted while the circuit was still closed ends now, failed.
    expect(b.record('failure', 1001, false)).toBe(false);
    expect(b.state).toBe('half_open');
    expect(b.snapshot().trips).toBe(1);
    b.record('success', 1002, true);
    b.startProbe();
    b.record('success', 1003, true);
    expect(b.state).toBe('closed');
  });

  it('treats neutral outcomes (client errors, aborts) as neither success nor failure', () => {
    const b = new Breaker(config);
    for (let i = 0; i < 50; i++) b.record('neutral', i);
    b.record('failure', 60);
    b.record('failure', 61);
    expect(b.state).toBe('closed');
    expect(b.window(61)).toEqual({ requests: 2, failures: 2 });
  });

  it('a back-off skips the origin until the deadline without opening the circuit', () => {
    const b = new Breaker(config);
    b.backoff(3000, 100);
    expect(b.state).toBe('closed');
    expect(b.admits(3099).ok).toBe(false);
    expect(b.availableAt(200)).toBe(3100);
    expect(b.admits(3100).ok).toBe(true);
  });

  it('a back-off of no readable length is a default one, never a deadline that cannot be stored', () => {
    const b = new Breaker(config);
    b.backoff(Number.NaN, 100);
    const { backoffUntil } = b.snapshot();
    expect(Number.isFinite(backoffUntil)).toBe(true);
    expect(backoffUntil).toBeGreaterThan(100);
    expect(b.admits(101).ok).toBe(false);
  });

  it('survives a snapshot round trip with its deadline (no forgotten cooldowns)', () => {
    const b = new Breaker(config);
    for (let i = 0; i < 3; i++) b.record('failure', 500);
    const restored = new Breaker(config, JSON.parse(JSON.stringify(b.snapshot())));
    expect(restored.state).toBe('open');
    expect(restored.admits(1499).ok).toBe(false);
    expect(restored.admits(1500)).toEqual({ ok: true, probe: true });
  });

  it('isolate holds until reset, whatever happens', () => {
    const b = new Breaker(config);
    b.isolate(0);
    b.tick(10_000_000);
    expect(b.admits(10_000_000).ok).toBe(false);
    b.reset();
    expect(b.admits(10_000_001)).toEqual({ ok: true, probe: false });
  });

  it('property: never admits while open before its cooldown; trials never exceed the bound', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('success', 'failure', 'neutral', 'admit'), fc.nat(3000)), {
          maxLength: 200,
        }),
        (ops) => {
          const b = new Breaker(config);
          let now = 0;
          let probes = 0;
          for (const [op, dt] of ops) {
            now += dt;
            if (op === 'admit') {
              const before = b.snapshot();
              const a = b.admits(now);
              if (before.state === 'open' && now < before.reopenAt) expect(a.ok).toBe(false);
              if (a.ok && a.probe) {
                b.startProbe();
                probes++;
              }
              expect(b.probesInFlight).toBeLessThanOrEqual(config.halfOpenProbes);
            } else {
              const probe = probes > 0 && b.state === 'half_open';
              if (probe) probes--;
              b.record(op as 'success' | 'failure' | 'neutral', now, probe);
            }
            if (b.state !== 'half_open') probes = 0;
          }
        },
      ),
    );
  });
});
