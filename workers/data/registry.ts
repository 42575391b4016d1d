import type { ModelConfig, PoolConfig } from '../../schemas/config.ts';
import { pools } from '../../schemas/db/pools.ts';
import { db } from './db.ts';
import { parsePoolRow } from './pool-row.ts';
import { parseStoredModel, readModelRows } from './stored-model.ts';
import type { Background } from './ttl-cache.ts';

/**
 * The model registry and pool configs, read from D1 and held in isolate memory for a short time:
 * read-mostly data must not cost a D1 round trip per request. Admin writes call `invalidateRegistry`.
 * A snapshot older than half its TTL is reloaded in the background while it is still served, so under
 * steady traffic no request waits for D1; an expired one is never served.
 */
const TTL_MS = 10_000;

interface Snapshot {
  models: ModelConfig[];
  byName: Map<string, ModelConfig>;
  pools: Map<string, PoolConfig>;
  loadedAt: number;
}

let snapshot: Snapshot | undefined;
/** The load in flight, and the generation it started in. */
let loading: { generation: number; promise: Promise<Snapshot> } | undefined;
/** Bumped by invalidateRegistry, so a load begun before an admin write can neither be kept nor joined. */
let generation = 0;
/** A pool object holds a newer config than this snapshot: reload ahead with the next request. */
let behind = false;

export function invalidateRegistry(): void {
  generation++;
  snapshot = undefined;
}

/**
 * Another isolate's admin write reached a pool object before this snapshot expired. The snapshot is
 * still served (the object admits under its newer config meanwhile); the next request reloads it in
 * the background instead of after half the TTL.
 */
export function registryBehind(): void {
  behind = true;
}

export async function registry(
  database: D1Database,
  now = Date.now(),
  background?: Background,
): Promise<Snapshot> {
  const current = snapshot;
  if (current && now - current.loadedAt < TTL_MS) {
    if (background && !loading && (behind || now - current.loadedAt >= TTL_MS / 2)) {
      behind = false;
      background(reload(database, now).catch(() => {}));
    }
    return current;
  }
  const loaded = reload(database, now);
  // Other requests may join this load: keep it alive even if the request that started it ends first.
  background?.(loaded.catch(() => {}));
  return loaded;
}

/**
 * Start the load a stale or missing snapshot needs, without waiting for it: called before a request
 * authenticates, so that after an idle spell its key lookup and this load overlap instead of queueing.
 */
export function warmRegistry(database: D1Database, background: Background, now = Date.now()): void {
  const current = snapshot;
  if (current && !behind && now - current.loadedAt < TTL_MS / 2) return;
  // registry() hands any load it starts to `background` itself.
  registry(database, now, background).catch(() => {});
}

/** Single flight: concurrent callers in one isolate share one load of the current generation. */
function reload(database: D1Database, now: number): Promise<Snapshot> {
  if (loading?.generation === generation) return loading.promise;
  const started = generation;
  const promise: Promise<Snapshot> = load(database, now)
    .then((loaded) => {
      if (started === generation) snapshot = loaded;
      return loaded;
    })
    .finally(() => {
      if (loading?.promise === promise) loading = undefined;
    });
  loading = { generation: started, promise };
  return promise;
}

async function load(database: D1Database, now: number): Promise<Snapshot> {
  const handle = db(database);
  const [modelRows, poolRows] = await Promise.all([readModelRows(database), handle.select().from(pools)]);
  const modelList: ModelConfig[] = [];
  const byName = new Map<string, ModelConfig>();
  for (const row of modelRows) {
    const parsed = parseStoredModel(row);
    if (!parsed.success) continue; // a broken row must not take the registry down; /ready reports it
    modelList.push(parsed.data);
    byName.set(parsed.data.id, parsed.data);
    for (const alias of parsed.data.aliases) if (!byName.has(alias)) byName.set(alias, parsed.data);
  }
  const poolMap = new Map<string, PoolConfig>();
  for (const row of poolRows) {
    // A broken row must not take the registry down; the admin views list it with its problems.
    const read = parsePoolRow(row);
    if (read.ok) poolMap.set(read.config.name, read.config);
  }
  modelList.sort((a, b) => a.id.localeCompare(b.id));
  return { models: modelList, byName, pools: poolMap, loadedAt: now };
}
