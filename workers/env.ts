import type { EnginePool } from '../durable-objects/engine-pool/engine-pool.ts';

/** Bindings, vars and secrets of the gateway Worker. Every `ECO_*` name is listed in the README. */
export interface Env {
  DB: D1Database;
  ENGINE_POOL: DurableObjectNamespace<EnginePool>;
  RATE_LIMITER: DurableObjectNamespace;
  JOB_QUEUE: DurableObjectNamespace;
  CONVERSATION: DurableObjectNamespace;
  SELF: Fetcher;
  ECO_CORS_ORIGINS?: string;
  /**
   * Worker secrets are read by name (origin auth headers, bot tokens, …). Numeric, boolean and
   * enumerated vars are read through `settings(env)` (workers/config/read-settings.ts) only.
   */
  [secret: string]: unknown;
}
