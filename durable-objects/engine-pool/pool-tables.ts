import type { PoolConfig } from '../../schemas/config.ts';
import type { KeptBreaker } from './kept-breaker.ts';
import type { LeaseChanges } from './lease-table.ts';
import { breakerRow, storedBreaker, storedConfig } from './stored-state.ts';
import type { Lease } from './types.ts';

/**
 * The pool object's SQLite tables: config, kept breakers, leases and the lease id sequence. Rows are
 * read through stored-state.ts, so one that cannot be read is left out instead of thrown on.
 */

export interface LeaseRow extends Record<string, SqlStorageValue> {
  id: string;
  origin_id: string;
  url: string;
  expires_at: number;
  slots: number;
  probe: number;
  block_slots: number;
  block_ms: number;
  trial_of: number;
}

export function leaseOfRow(row: LeaseRow): Lease {
  const lease: Lease = { id: row.id, originId: row.origin_id, url: row.url, expiresAt: row.expires_at };
  if (row.slots > 1) lease.slots = row.slots;
  if (row.probe === 1) lease.probe = true;
  if (row.trial_of > 0) lease.trialOf = row.trial_of;
  // A block stays one (even when shrunk to a slot): its holder reports what it keeps, not a release.
  if (row.block_slots > 0) lease.block = { slots: row.block_slots, useForMs: row.block_ms };
  return lease;
}

/** Create the tables, and add the columns that tables stored by earlier releases lack. */
export function createPoolTables(sql: SqlStorage): void {
  sql.exec(
    'CREATE TABLE IF NOT EXISTS pool_config (id INTEGER PRIMARY KEY, key TEXT NOT NULL, config TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0)',
  );
  // An object that stored its config before configs had versions holds it as version 0.
  const columns = sql.exec<{ name: string }>('PRAGMA table_info(pool_config)').toArray();
  if (!columns.some((c) => c.name === 'version'))
    sql.exec('ALTER TABLE pool_config ADD COLUMN version INTEGER NOT NULL DEFAULT 0');
  sql.exec('CREATE TABLE IF NOT EXISTS breakers (origin_id TEXT PRIMARY KEY, snapshot TEXT NOT NULL)');
  sql.exec(
    'CREATE TABLE IF NOT EXISTS leases (id TEXT PRIMARY KEY, origin_id TEXT NOT NULL, url TEXT NOT NULL, expires_at INTEGER NOT NULL, slots INTEGER NOT NULL, probe INTEGER NOT NULL)',
  );
  // A table stored before blocks were kept has no block columns: its rows are single leases.
  const leaseColumns = sql.exec<{ name: string }>('PRAGMA table_info(leases)').toArray();
  if (!leaseColumns.some((c) => c.name === 'block_slots')) {
    sql.exec('ALTER TABLE leases ADD COLUMN block_slots INTEGER NOT NULL DEFAULT 0');
    sql.exec('ALTER TABLE leases ADD COLUMN block_ms INTEGER NOT NULL DEFAULT 0');
  }
  // Nor a trial's half-open spell: such a trial counts as one of the current spell.
  if (!leaseColumns.some((c) => c.name === 'trial_of'))
    sql.exec('ALTER TABLE leases ADD COLUMN trial_of INTEGER NOT NULL DEFAULT 0');
  sql.exec('CREATE TABLE IF NOT EXISTS lease_seq (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)');
}

/** Write the lease id sequence and the lease table's changes (the caller wraps it in a transaction). */
export function writeLeases(sql: SqlStorage, seq: number, changes: LeaseChanges | undefined): void {
  sql.exec(
    'INSERT INTO lease_seq (id, seq) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq',
    seq,
  );
  if (!changes) return;
  for (const id of changes.drop) sql.exec('DELETE FROM leases WHERE id = ?', id);
  for (const l of changes.put)
    sql.exec(
      'INSERT INTO leases (id, origin_id, url, expires_at, slots, probe, block_slots, block_ms, trial_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET slots = excluded.slots, expires_at = excluded.expires_at',
      l.id,
      l.originId,
      l.url,
      l.expiresAt,
      l.slots ?? 1,
      l.probe ? 1 : 0,
      l.block?.slots ?? 0,
      l.block?.useForMs ?? 0,
      l.trialOf ?? 0,
    );
}

/** The lease id sequence and the leases stored before a restart. */
export function readLeases(sql: SqlStorage): { leases: Lease[]; seq: number | undefined } {
  const seq = sql.exec<{ seq: number }>('SELECT seq FROM lease_seq').toArray()[0]?.seq;
  return { leases: sql.exec<LeaseRow>('SELECT * FROM leases').toArray().map(leaseOfRow), seq };
}

/** The stored config with its key and version, or undefined when none is stored or it cannot be read. */
export function readConfig(
  sql: SqlStorage,
): { key: string; config: PoolConfig; version: number } | undefined {
  const row = sql
    .exec<{ key: string; config: string; version: number }>('SELECT key, config, version FROM pool_config')
    .toArray()[0];
  if (!row) return undefined;
  const config = storedConfig(row.config);
  return config ? { key: row.key, config, version: row.version } : undefined;
}

export function writeConfig(sql: SqlStorage, key: string, config: PoolConfig, version: number): void {
  sql.exec(
    'INSERT INTO pool_config (id, key, config, version) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET key = excluded.key, config = excluded.config, version = excluded.version',
    key,
    JSON.stringify(config),
    version,
  );
}

/** The kept breakers by origin id (see kept-breaker.ts). */
export function readBreakers(sql: SqlStorage): Map<string, KeptBreaker> {
  const kept = new Map<string, KeptBreaker>();
  for (const row of sql.exec<{ origin_id: string; snapshot: string }>('SELECT * FROM breakers')) {
    const snapshot = storedBreaker(row.snapshot);
    if (snapshot) kept.set(row.origin_id, snapshot);
  }
  return kept;
}

/** Store what is kept of one origin's breaker; undefined drops its row. */
export function writeBreaker(sql: SqlStorage, originId: string, kept: KeptBreaker | undefined): void {
  if (!kept) sql.exec('DELETE FROM breakers WHERE origin_id = ?', originId);
  else
    sql.exec(
      'INSERT INTO breakers (origin_id, snapshot) VALUES (?, ?) ON CONFLICT(origin_id) DO UPDATE SET snapshot = excluded.snapshot',
      originId,
      breakerRow(kept),
    );
}
