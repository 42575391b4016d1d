import { createHash } from 'node:crypto';

/**
 * SQL that points the local stack at the emulator: one engine pool per emulated protocol, one model
 * per pool (`dev-<pool>`), and the local admin key. Idempotent, so every `npm run dev` can run it.
 */
const ENGINE_MODEL = {
  vllm: 'meta-llama/Llama-3.1-8B-Instruct',
  tgi: 'meta-llama/Llama-3.1-8B-Instruct',
  'tgi-messages': 'tgi',
  ollama: 'llama3.1:8b',
  sglang: 'meta-llama/Llama-3.1-8B-Instruct',
  'sglang-openai': 'meta-llama/Llama-3.1-8B-Instruct',
  'trtllm-serve': 'meta-llama/Llama-3.1-8B-Instruct',
  'triton-trtllm': 'ensemble',
  'deepspeed-mii': 'mistralai/Mistral-7B-v0.1',
  'deepspeed-mii-openai': 'mistralai/Mistral-7B-v0.1',
  lmdeploy: 'internlm/internlm2_5-7b-chat',
  'lmdeploy-openai': 'internlm/internlm2_5-7b-chat',
};

const quote = (value) => `'${String(value).replaceAll("'", "''")}'`;

export function sha256Hex(value) {
  return createHash('sha256').update(value).digest('hex');
}

/** @param {{ origins: {id: string, engine: string, url: string}[], apiKey: string, now?: number }} input */
export function seedSql({ origins, apiKey, now = Date.now() }) {
  const byEngine = new Map();
  for (const origin of origins) {
    if (!byEngine.has(origin.engine)) byEngine.set(origin.engine, []);
    byEngine.get(origin.engine).push({ id: origin.id, url: origin.url, capacity: 64, weight: 1 });
  }
  const statements = [];
  for (const [engine, poolOrigins] of byEngine) {
    const config = {
      name: engine,
      protocol: engine,
      origins: poolOrigins,
      timeouts: { headersMs: 10_000, firstTokenMs: 15_000, idleMs: 10_000, totalMs: 120_000 },
      retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 1000 },
      options: {},
    };
    statements.push(
      `INSERT INTO pools (name, protocol, config, updated_at) VALUES (${quote(engine)}, ${quote(engine)}, ${quote(JSON.stringify(config))}, ${now}) ` +
        'ON CONFLICT(name) DO UPDATE SET protocol = excluded.protocol, config = excluded.config, updated_at = max(excluded.updated_at, pools.updated_at + 1);',
    );
    const routes = [{ pool: engine, engineModel: ENGINE_MODEL[engine] ?? 'emulated' }];
    statements.push(
      `INSERT INTO models (id, aliases, owned_by, routes, capabilities, context_length, source, created_at) VALUES (${quote(`dev-${engine}`)}, '[]', 'eco-dev', ${quote(JSON.stringify(routes))}, '["chat","completion","embedding"]', 8192, ${quote(`emulated ${engine}`)}, ${Math.floor(now / 1000)}) ` +
        'ON CONFLICT(id) DO UPDATE SET routes = excluded.routes;',
    );
  }
  const hash = sha256Hex(apiKey);
  statements.push("DELETE FROM api_keys WHERE id = 'key_local_dev';");
  statements.push(
    `INSERT INTO api_keys (id, name, tenant, prefix, key_hash, scopes, limits, allowed_models, default_priority, max_priority, created_at) VALUES ('key_local_dev', 'local development admin', 'dev', ${quote(apiKey.slice(0, 13))}, ${quote(hash)}, '["admin"]', '{}', NULL, 'normal', 'critical', ${now});`,
  );
  return `${statements.join('\n')}\n`;
}
