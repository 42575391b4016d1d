import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../../workers/data/ttl-cache.ts';

/** A cache on a hand-driven clock, with a loader that counts its calls and can be held open. */
function setup(ttlMs = 1000) {
  let now = 0;
  const cache = new TtlCache<string>(ttlMs, 100, () => now);
  let version = 0;
  let calls = 0;
  let hold: Promise<void> | undefined;
  const load = async () => {
    calls++;
    const value = `v${++version}`;
    if (hold) await hold;
    return value;
  };
  const background: Promise<unknown>[] = [];
  const run = (work: Promise<unknown>) => {
    background.push(work);
  };
  return {
    cache,
    load,
    run,
    background,
    calls: () => calls,
    at: (ms: number) => {
      now = ms;
    },
    holdLoads: () => {
      let release!: () => void;
      hold = new Promise<void>((r) => {
        release = r;
      });
      return () => {
        hold = undefined;
        release();
      };
    },
  };
}

describe('TtlCache.getOrLoad', () => {
  it('serves a fresh hit without loading', async () => {
    const t = setup();
    expect(await t.cache.getOrLoad('k', t.load, t.run)).toBe('v1');
    t.at(400);
    expect(await t.cache.getOrLoad('k', t.load, t.run)).toBe('v1');
    expect(t.calls()).toBe(1);
    expect(t.background).toHaveLength(0);
  });

  it('past half its TTL serves the entry and refreshes it once in the background', async () => {
    const t = setup();
    await t.cache.getOrLoad('k', t.load, t.run);
    t.at(600);
    const release = t.holdLoads();
    // Two hits while the refresh is in flight: both served from the cache, one refresh only.
    expect(await t.cache.getOrLoad('k', t.load, t.run)).toBe('v1');
    expect(await t.cache.getOrLoad('k', t.load, t.run)).toBe('v1');
    expect(t.background).toHaveLength(1);
    release();
    await Promise.all(t.background);
    expect(t.calls()).toBe(2);
    // The refreshed entry (stored at 600) outlives the first one, which expired at 1000.
    t.at(1050);
    expect(await t.cache.getOrLoad('k', t.load, t.run)).toBe('v2');
    expect(t.calls()).toBe(2);
  });

  it('never serves an expired entry: the caller waits for the load', async () => {
    const t = setup();
    await t.cache.getOrLoad('k', t.load, t.run);
    t.at(1000);
    expect(await t.cache.getOrLoad('k', t.load, t.run)).toBe('v2');
    expect(t.background).toHaveLength(0);
    expect(t.calls()).toBe(2);
  });

  it('without a background runner a late hit is served and nothing is refreshed', async () => {
    const t = setup();
    await t.cache.getOrLoad('k', t.load);
    t.at(900);
    expect(await t.cache.getOrLoad('k', t.load)).toBe('v1');
    expect(t.calls()).toBe(1);
  });

  it('a load begun before delete() does not put back what delete() removed', async () => {
    const t = setup();
    await t.cache.getOrLoad('k', t.load, t.run);
    t.at(600);
    const release = t.holdLoads();
    await t.cache.getOrLoad('k', t.load, t.run); // starts a refresh that reads the old state
    t.cache.delete('k'); // an admin change lands while that read is in flight
    release();
    await Promise.all(t.background);
    expect(t.cache.get('k')).toBeUndefined();
    expect(await t.cache.getOrLoad('k', t.load, t.run)).toBe('v3');
  });

  it('a failed refresh leaves the entry to expire, tries again on a later hit, and a miss loads again', async () => {
    const t = setup();
    await t.cache.getOrLoad('k', t.load, t.run);
    t.at(600);
    const failing = () => Promise.reject(new Error('store down'));
    expect(await t.cache.getOrLoad('k', failing, t.run)).toBe('v1');
    await Promise.all(t.background);
    t.at(700);
    expect(await t.cache.getOrLoad('k', t.load, t.run)).toBe('v1');
    expect(t.background).toHaveLength(2);
    await Promise.all(t.background);
    t.cache.delete('k');
    expect(await t.cache.getOrLoad('k', t.load, t.run)).toBe('v3');
  });

  it('a slow refresh cannot put back an older read over a newer one, nor outlive its own read', async () => {
    let now = 0;
    const cache = new TtlCache<string>(1000, 100, () => now);
    await cache.getOrLoad('k', async () => 'valid');
    now = 600;
    let landStale!: (value: string) => void;
    const work: Promise<unknown>[] = [];
    const stale = () =>
      new Promise<string>((resolve) => {
        landStale = resolve;
      });
    expect(await cache.getOrLoad('k', stale, (w) => work.push(w))).toBe('valid'); // reads at 600, stalls
    now = 1000;
    expect(await cache.getOrLoad('k', async () => 'revoked')).toBe('revoked'); // expired: read again
    now = 1100;
    landStale('valid');
    await Promise.all(work);
    expect(cache.get('k')).toBe('revoked');

    // A load's entry lives from when the load began: begun at 0, done at 900, gone at 1000.
    now = 0;
    let land!: (value: string) => void;
    const slow = cache.getOrLoad(
      's',
      () =>
        new Promise<string>((resolve) => {
          land = resolve;
        }),
    );
    now = 900;
    land('v');
    expect(await slow).toBe('v');
    expect(cache.get('s')).toBe('v');
    now = 1000;
    expect(cache.get('s')).toBeUndefined();
  });

  it('a failed load on a miss reaches the caller and caches nothing', async () => {
    const t = setup();
    await expect(
      t.cache.getOrLoad('k', () => Promise.reject(new Error('store down')), t.run),
    ).rejects.toThrow('store down');
    expect(t.cache.get('k')).toBeUndefined();
  });

  it('keeps its size bound, dropping the oldest entry; replacing an entry drops nothing', async () => {
    let now = 0;
    const cache = new TtlCache<number>(1000, 2, () => now);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('b', 3);
    expect(cache.get('a')).toBe(1);
    cache.set('a', 4); // a refresh moves 'a' to the young end
    now = 1;
    cache.set('c', 5);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(4);
    expect(cache.get('c')).toBe(5);
  });
});
