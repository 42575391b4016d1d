import { eq } from 'drizzle-orm';
import type { PoolConfig } from '../../schemas/config.ts';
import { pools } from '../../schemas/db/pools.ts';
import { db } from '../data/db.ts';
import { parsePoolRow } from '../data/pool-row.ts';

/**
 * A pools row as the admin API shows it. Every row is shown, valid or not, so that none is out of the
 * API's reach: a row that no longer validates (written by SQL, or by an older release) is listed with
 * its `problems` and can be fixed with PATCH or POST, or deleted.
 */
export interface StoredPool {
  /** The row's name (the key every write and delete uses). */
  name: string;
  /** Parsed and stamped with its version when valid; else the stored JSON object as it is. */
  config: PoolConfig;
  /** `updated_at`, the state a conditional update expects. */
  version: number;
  problems?: string[];
}

function toStored(row: typeof pools.$inferSelect): StoredPool {
  const read = parsePoolRow(row);
  const base = { name: row.name, version: row.updatedAt };
  return read.ok
    ? { ...base, config: read.config }
    : { ...base, config: read.raw as PoolConfig, problems: read.problems };
}

export async function listStoredPools(database: D1Database): Promise<StoredPool[]> {
  const rows = await db(database).select().from(pools).orderBy(pools.name);
  return rows.map(toStored);
}

export async function findStoredPool(database: D1Database, name: string): Promise<StoredPool | undefined> {
  const row = (await db(database).select().from(pools).where(eq(pools.name, name)).limit(1))[0];
  return row ? toStored(row) : undefined;
}
