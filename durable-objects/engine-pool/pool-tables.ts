import type { LeaseChanges } from './lease-table.ts';
import type { Lease } from './types.ts';

/** The pool object's SQLite tables: config, kept breakers, leases and the lease id sequence. */

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
