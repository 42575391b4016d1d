import type { EnginePool } from '../durable-objects/engine-pool/engine-pool.ts';

/** Bindings, vars and secrets of the gateway Worker. Every `ECO_*` name is listed in the README. */
export interface Env {
  DB: D1Database;
  ENGINE_POOL: DurableObjectNamespace<EnginePool>;
  RATE_LIMITER: DurableObjectNamespace;
  JOB_QUEUE: DurableObjectNamespace;
  CONVERSATION: DurableObjectNamespace;
  SELF: Fetcher;
  ECO_ENVIRONMENT?: string;
  ECO_CORS_ORIGINS?: string;
  ECO_KEY_CACHE_TTL_MS?: string;
  ECO_MAX_BODY_BYTES?: string;
  ECO_DEFAULT_MAX_TOKENS?: string;
  ECO_AUTH_FAILURES_PER_MIN?: string;
  ECO_STREAM_HOLD_MS?: string;
  ECO_STREAM_FLUSH_MS?: string;
  ECO_DOCS_ENABLED?: string;
  /** Worker secrets are read by name (origin auth headers, bot tokens, …). */
  [secret: string]: unknown;
}

export function numberVar(value: unknown, fallback: number): number {
  if (typeof value !== 'string' || value.trim() === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? n : fallback;
}
