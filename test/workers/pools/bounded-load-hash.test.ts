import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashRing } from '../../../durable-objects/engine-pool/bounded-load-hash.ts';

const ids = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { minLength: 1, maxLength: 8 });

describe('consistent hashing with bounded load', () => {
  it('property: deterministic, and the same key keeps its origin while loads are even', () => {
    fc.assert(
      fc.property(ids, fc.string(), (origins, key) => {
        const ring = new HashRing(origins);
        const view = { eligible: () => true, load: () => 0 };
        const a = ring.pick(key, view, 1.25);
        expect(a).toBe(new HashRing(origins).pick(key, view, 1.25));
        expect(a).toBe(ring.home(key));
      }),
    );
  });

  it('property: never picks an origin over the bound, and always picks an eligible one if any', () => {
    fc.assert(
      fc.property(
        ids,
        fc.string(),
        fc.array(fc.nat(100), { minLength: 8, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        (origins, key, loads, eligible, factor) => {
          const ring = new HashRing(origins);
          const idx = (id: string) => origins.indexOf(id);
          const view = {
            eligible: (id: string) => eligible[idx(id)]!,
            load: (id: string) => loads[idx(id)]! / 10,
          };
          const picked = ring.pick(key, view, factor);
          const elig = origins.filter(view.eligible);
          if (elig.length === 0) {
            expect(picked).toBeUndefined();
            return;
          }
          expect(picked).toBeDefined();
          expect(view.eligible(picked!)).toBe(true);
          const avg = elig.reduce((s, id) => s + view.load(id), 0) / elig.length;
          expect(view.load(picked!)).toBeLessThanOrEqual(factor * avg + 1e-9);
        },
      ),
    );
  });

  it('property: removing an origin moves only the keys that lived on it', () => {
    fc.assert(
      fc.property(
        ids.filter((a) => a.length >= 2),
        fc.array(fc.string(), { maxLength: 60 }),
        (origins, keys) => {
          const full = new HashRing(origins);
          const gone = origins[0]!;
          const less = new HashRing(origins.slice(1));
          for (const key of keys) {
            const before = full.home(key);
            if (before !== gone) expect(less.home(key)).toBe(before);
          }
        },
      ),
    );
  });

  it('spills an overloaded home origin to the next one and comes back when it drains', () => {
    const ring = new HashRing(['o1', 'o2', 'o3']);
    const key = 'conversation-42';
    const home = ring.home(key)!;
    const loads: Record<string, number> = { o1: 0.1, o2: 0.1, o3: 0.1 };
    loads[home] = 0.9;
    const spilled = ring.pick(key, { eligible: () => true, load: (id) => loads[id]! }, 1.25);
    expect(spilled).not.toBe(home);
    loads[home] = 0.1;
    expect(ring.pick(key, { eligible: () => true, load: (id) => loads[id]! }, 1.25)).toBe(home);
  });

  it('spreads keys over origins', () => {
    const ring = new HashRing(['a', 'b', 'c', 'd']);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 4000; i++) {
      const id = ring.home(`user-${i}`)!;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    for (const id of ['a', 'b', 'c', 'd']) expect(counts[id]).toBeGreaterThan(500);
  });
});
