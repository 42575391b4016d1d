import { env } from 'cloudflare:workers';
import type { PoolConfig } from '../../../schemas/config.ts';
import { invalidateKeyCache } from '../../../workers/data/api-keys.ts';
import { sha256Hex } from '../../../workers/data/key-hash.ts';
import { invalidateRegistry } from '../../../workers/data/registry.ts';

export interface SeedKey {
  id?: string;
  key?: string;
  tenant?: string;
  scopes?: string[];
  limits?: Record<string, number>;
  allowedModels?: string[] | null;
  expiresAt?: number | null;
  revokedAt?: number | null;
}

let counter = 0;

/** Insert an API key and return its secret. */
export async function seedKey(input: SeedKey = {}): Promise<string> {
  counter++;
  const key = input.key ?? `eco_sk_test_${counter}_${crypto.randomUUID().replaceAll('-', '')}`;
  await env.DB.prepare(
    `INSERT INTO api_keys (id, name, tenant, prefix, key_hash, scopes, limits, allowed_models, default_priority, max_priority, created_at, expires_at, revoked_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'normal', 'critical', ?, ?, ?)`,
  )
    .bind(
      input.id ?? `key_${counter}_${crypto.randomUUID().slice(0, 8)}`,
      'test key',
      input.tenant ?? 'tenant-a',
      key.slice(0, 13),
      await sha256Hex(key),
      JSON.stringify(input.scopes ?? ['inference']),
      JSON.stringify(input.limits ?? {}),
      input.allowedModels ? JSON.stringify(input.allowedModels) : null,
      Date.now(),
      input.expiresAt ?? null,
      input.revokedAt ?? null,
    )
    .run();
  invalidateKeyCache();
  return key;
}

/** Insert (or replace) an engine pool and a model routed to it. */
export async function seedPool(
  pool: Partial<PoolConfig> & Pick<PoolConfig, 'name' | 'protocol' | 'origins'>,
  model?: string,
) {
  const config = {
    timeouts: { headersMs: 2000, firstTokenMs: 2000, idleMs: 2000, totalMs: 10_000 },
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
    options: {},
    ...pool,
  };
  await env.DB.prepare(
    'INSERT INTO pools (name, protocol, config, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET config = excluded.config, protocol = excluded.protocol, updated_at = max(excluded.updated_at, pools.updated_at + 1)',
  )
    .bind(pool.name, pool.protocol, JSON.stringify(config), Date.now())
    .run();
  if (model) {
    await env.DB.prepare(
      `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, created_at) VALUES (?, '[]', 'test', ?, '["chat","completion","embedding"]', 8192, 0)
       ON CONFLICT(id) DO UPDATE SET routes = excluded.routes`,
    )
      .bind(model, JSON.stringify([{ pool: pool.name, engineModel: `${model}-engine` }]))
      .run();
  }
  invalidateRegistry();
}

/** Insert a model with an explicit fallback chain. */
export async function seedModel(id: string, routes: { pool: string; engineModel: string }[]) {
  await env.DB.prepare(
    `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, created_at) VALUES (?, '[]', 'test', ?, '["chat"]', 8192, 0)
     ON CONFLICT(id) DO UPDATE SET routes = excluded.routes`,
  )
    .bind(id, JSON.stringify(routes))
    .run();
  invalidateRegistry();
}
