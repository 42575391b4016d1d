import { fnv1a } from '../../durable-objects/engine-pool/bounded-load-hash.ts';
import type { PoolConfig } from '../../schemas/config.ts';

/**
 * What identifies one pool config object: `key`, a short fingerprint of its content (it changes
 * whenever the content does), and `version`, the D1 row's `updated_at`, which every write moves
 * strictly forward. The pool object applies a config only when its version is newer than the one it
 * holds, so an isolate whose registry cache is stale cannot roll a config back. A config never read
 * from D1 has version 0.
 */
export interface ConfigStamp {
  key: string;
  version: number;
}

const stamps = new WeakMap<PoolConfig, ConfigStamp>();

function fingerprint(pool: PoolConfig): string {
  const text = JSON.stringify(pool);
  return `${fnv1a(text).toString(36)}.${text.length.toString(36)}`;
}

/** Record the stored version of a config read from (or written to) D1. */
export function stampConfig(pool: PoolConfig, version: number): PoolConfig {
  stamps.set(pool, { key: fingerprint(pool), version });
  return pool;
}

/** Computed once per config object (the registry caches them), so a request pays one lookup. */
export function configStamp(pool: PoolConfig): ConfigStamp {
  let stamp = stamps.get(pool);
  if (stamp === undefined) {
    stamp = { key: fingerprint(pool), version: 0 };
    stamps.set(pool, stamp);
  }
  return stamp;
}

export const configKey = (pool: PoolConfig): string => configStamp(pool).key;
