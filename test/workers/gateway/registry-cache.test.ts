import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { invalidateRegistry, registry } from '../../../workers/data/registry.ts';
import { seedPool } from '../helpers/seed.ts';

/** Change a model's pool in D1 behind the cache's back, as another isolate's admin write would. */
async function repoint(model: string, pool: string) {
  await env.DB.prepare('UPDATE models SET routes = ? WHERE id = ?')
    .bind(JSON.stringify([{ pool, engineModel: `${model}-engine` }]), model)
    .run();
}

type AnyFn = (...args: unknown[]) => unknown;

/**
 * env.DB whose reads run at once but answer only when `open()` is called: a load held in flight.
 * `reads(n)` resolves once n reads have been answered by D1 (and are being held).
 */
function heldDb() {
  let open!: () => void;
  const gate = new Promise<void>((r) => {
    open = r;
  });
  let done = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const hold = <T extends object>(stmt: T): T =>
    new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== 'function') return value;
        const fn = value as AnyFn;
        if (prop === 'bind') return (...args: unknown[]) => hold(fn.apply(target, args) as object);
        return async (...args: unknown[]) => {
          const result = await fn.apply(target, args);
          done++;
          for (const w of waiters) if (done >= w.n) w.resolve();
          await gate;
          return result;
        };
      },
    });
  const reads = (n: number) => new Promise<void>((resolve) => waiters.push({ n, resolve }));
  const db = new Proxy(env.DB, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (prop === 'prepare') return (sql: string) => hold(target.prepare(sql));
      return typeof value === 'function' ? (value as AnyFn).bind(target) : value;
    },
  });
  return { db, open, reads };
}

const poolOf = async (at: number, background?: (w: Promise<unknown>) => void) =>
  (await registry(env.DB, at, background)).byName.get('cache-model')?.routes[0]?.pool;

/** 'cache-model' on pool 'cache-a', a fresh snapshot loaded at the returned time, and a pool 'cache-b' to move it to. */
async function loadedOnPoolA(): Promise<number> {
  await seedPool({ name: 'cache-a', protocol: 'vllm', origins: [] }, 'cache-model');
  await seedPool({ name: 'cache-b', protocol: 'vllm', origins: [] });
  const t0 = Date.now();
  expect(await poolOf(t0)).toBe('cache-a');
  return t0;
}

describe('registry snapshot cache', () => {
  it('refreshes ahead: a snapshot past half its TTL is served while one reload runs behind it', async () => {
    const t0 = await loadedOnPoolA();
    await repoint('cache-model', 'cache-b');

    // Young snapshot: served, nothing reloaded.
    const work: Promise<unknown>[] = [];
    const run = (w: Promise<unknown>) => {
      work.push(w);
    };
    expect(await poolOf(t0 + 1000, run)).toBe('cache-a');
    expect(work).toHaveLength(0);

    // Past half its 10 s TTL: still served, and exactly one background reload.
    expect(await poolOf(t0 + 6000, run)).toBe('cache-a');
    expect(await poolOf(t0 + 6001, run)).toBe('cache-a');
    expect(work).toHaveLength(1);
    await Promise.all(work);
    expect(await poolOf(t0 + 6002, run)).toBe('cache-b');
  });

  it('never serves an expired snapshot, even without a background runner', async () => {
    const t0 = await loadedOnPoolA();
    await repoint('cache-model', 'cache-b');
    expect(await poolOf(t0 + 9000)).toBe('cache-a');
    expect(await poolOf(t0 + 10_000)).toBe('cache-b');
  });

  it('an invalidation during a reload wins: the reload is neither kept nor joined', async () => {
    const t0 = await loadedOnPoolA();
    const work: Promise<unknown>[] = [];
    const held = heldDb();
    const snapshot = await registry(held.db, t0 + 6000, (w) => work.push(w));
    expect(snapshot.byName.get('cache-model')?.routes[0]?.pool).toBe('cache-a');
    await held.reads(2); // the reload has read models and pools (and seen 'cache-a')
    await repoint('cache-model', 'cache-b');
    invalidateRegistry(); // this isolate's admin write
    // A request after the invalidation starts its own load instead of joining the held, stale one.
    expect(await poolOf(t0 + 6001)).toBe('cache-b');
    held.open(); // the stale load lands last, and must not be kept
    await Promise.all(work);
    expect(await poolOf(t0 + 6002)).toBe('cache-b');
  });

  it('a request starts the registry load before it authenticates, so the two D1 reads overlap', async () => {
    await loadedOnPoolA();
    invalidateRegistry();
    // A request refused by auth never reaches the route, yet the load it started is kept.
    const res = await exports.default.fetch('http://gw/v1/models', {
      headers: { authorization: 'Bearer eco_sk_not_a_key' },
    });
    expect(res.status).toBe(401);
    await repoint('cache-model', 'cache-b');
    expect(await poolOf(Date.now())).toBe('cache-a');
  });
});
