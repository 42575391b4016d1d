import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelPulls, OUTCOME_TTL_MS } from '../../../durable-objects/engine-pool/model-pulls.ts';

describe('ModelPulls (single flight per origin and model)', () => {
  it('makes the first caller the leader and the others wait until the outcome', () => {
    const pulls = new ModelPulls();
    expect(pulls.begin('o1', 'qwen', 'r1', 1000, 0)).toEqual({ leader: true });
    expect(pulls.begin('o1', 'qwen', 'r2', 1000, 10)).toEqual({
      leader: false,
      leaderRequestId: 'r1',
      startedAt: 0,
      expiresAt: 1000,
    });
    // Another origin or another model is a pull of its own.
    expect(pulls.begin('o2', 'qwen', 'r3', 1000, 10)).toEqual({ leader: true });
    expect(pulls.begin('o1', 'llama', 'r4', 1000, 10)).toEqual({ leader: true });
    expect(pulls.status('o1', 'qwen', 20)).toMatchObject({ state: 'pulling', leader: 'r1' });
    pulls.finish('o1', 'qwen', true, undefined, 30);
    expect(pulls.status('o1', 'qwen', 40)).toEqual({ state: 'done', finishedAt: 30 });
  });

  it('reports a failure to the waiters, then lets a later request try again', () => {
    const pulls = new ModelPulls();
    pulls.begin('o1', 'm', 'r1', 1000, 0);
    pulls.finish('o1', 'm', false, 'pull model manifest: file does not exist', 5);
    expect(pulls.status('o1', 'm', 6)).toEqual({
      state: 'failed',
      error: 'pull model manifest: file does not exist',
      finishedAt: 5,
    });
    expect(pulls.begin('o1', 'm', 'r2', 1000, 7)).toEqual({ leader: true });
  });

  it('forgets a pull whose leader gave up or vanished, so a waiter takes over', () => {
    const pulls = new ModelPulls();
    pulls.begin('o1', 'm', 'r1', 1000, 0);
    pulls.finish('o1', 'm', false, undefined, 5);
    expect(pulls.status('o1', 'm', 6)).toEqual({ state: 'none' });
    pulls.begin('o1', 'm', 'r2', 1000, 10);
    expect(pulls.status('o1', 'm', 1010)).toEqual({ state: 'none' });
    expect(pulls.begin('o1', 'm', 'r3', 1000, 1010)).toEqual({ leader: true });
  });

  it('keeps outcomes only for a while', () => {
    const pulls = new ModelPulls();
    pulls.begin('o1', 'm', 'r1', 1000, 0);
    pulls.finish('o1', 'm', true, undefined, 100);
    expect(pulls.status('o1', 'm', 100 + OUTCOME_TTL_MS).state).toBe('done');
    expect(pulls.status('o1', 'm', 101 + OUTCOME_TTL_MS).state).toBe('none');
    expect(pulls.size).toBe(0);
  });

  it('never has two live leaders for one origin and model, whatever the interleaving', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('begin' as const), origin: fc.constantFrom('a', 'b'), dt: fc.nat(400) }),
      fc.record({
        kind: fc.constant('finish' as const),
        origin: fc.constantFrom('a', 'b'),
        ok: fc.boolean(),
        dt: fc.nat(400),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const pulls = new ModelPulls();
        const ttl = 1000;
        let now = 0;
        let seq = 0;
        const live = new Map<string, number>(); // origin → expiry of the pull we believe is running
        for (const o of ops) {
          now += o.dt;
          if (o.kind === 'begin') {
            const result = pulls.begin(o.origin, 'm', `r${seq++}`, ttl, now);
            const running = (live.get(o.origin) ?? -1) > now;
            if (result.leader === running) return false;
            if (result.leader) live.set(o.origin, now + ttl);
          } else {
            pulls.finish(o.origin, 'm', o.ok, o.ok ? undefined : 'boom', now);
            live.delete(o.origin);
          }
        }
        return true;
      }),
    );
  });
});
