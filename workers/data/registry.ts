import { ModelConfig, PoolConfig } from '../../schemas/config.ts';
import { models } from '../../schemas/db/models.ts';
import { pools } from '../../schemas/db/pools.ts';
import { db } from './db.ts';

/**
 * The model registry and pool configs, read from D1 and held in isolate memory for a short time:
 * read-mostly data must not cost a D1 round trip per request. Admin writes call `invalidateRegistry`.
 */
const TTL_MS = 10_000;

interface Snapshot {
  models: ModelConfig[];
  byName: Map<string, ModelConfig>;
  pools: Map<string, PoolConfig>;
  loadedAt: number;
}

let snapshot: Snapshot | undefined;
let loading: Promise<Snapshot> | undefined;

export function invalidateRegistry(): void {
  snapshot = undefined;
}

export async function registry(database: D1Database, now = Date.now()): Promise<Snapshot> {
  if (snapshot && now - snapshot.loadedAt < TTL_MS) return snapshot;
  // Single flight: concurrent requests in one isolate share one load.
  loading ??= load(database, now).finally(() => {
    loading = undefined;
  });
  snapshot = await loading;
  return snapshot;
}

async function load(database: D1Database, now: number): Promise<Snapshot> {
  const handle = db(database);
  const [modelRows, poolRows] = await Promise.all([
    handle.select().from(models),
    handle.select().from(pools),
  ]);
  const modelList: ModelConfig[] = [];
  const byName = new Map<string, ModelConfig>();
  for (const row of modelRows) {
    const parsed = ModelConfig.safeParse({ ...row, source: row.source ?? undefined });
    if (!parsed.success) continue; // a broken row must not take the registry down; /ready reports it
    modelList.push(parsed.data);
    byName.set(parsed.data.id, parsed.data);
    for (const alias of parsed.data.aliases) if (!byName.has(alias)) byName.set(alias, parsed.data);
  }
  const poolMap = new Map<string, PoolConfig>();
  for (const row of poolRows) {
    let raw: unknown;
    try {
      raw = JSON.parse(row.config);
    } catch {
      continue;
    }
    const parsed = PoolConfig.safeParse(raw);
    if (parsed.success) poolMap.set(parsed.data.name, parsed.data);
  }
  modelList.sort((a, b) => a.id.localeCompare(b.id));
  return { models: modelList, byName, pools: poolMap, loadedAt: now };
}
