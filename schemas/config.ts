import { z } from '@hono/zod-openapi';

/** Engine wire protocols. An engine with two APIs has a variant per API. */
export const EngineProtocol = z.enum([
  'vllm',
  'tgi',
  'tgi-messages',
  'ollama',
  'sglang',
  'sglang-openai',
  'trtllm-serve',
  'triton-trtllm',
  'deepspeed-mii',
  'deepspeed-mii-openai',
  'lmdeploy',
  'lmdeploy-openai',
]);
export type EngineProtocol = z.infer<typeof EngineProtocol>;

export const PriorityClass = z.enum(['critical', 'high', 'normal', 'low']);
export type PriorityClass = z.infer<typeof PriorityClass>;

const PRIORITY_CLASSES: ReadonlySet<unknown> = new Set(PriorityClass.options);

/** `value` when it names a priority class, else `fallback` (stored rows and claims are not trusted). */
export function priorityOr(value: unknown, fallback: PriorityClass): PriorityClass {
  return PRIORITY_CLASSES.has(value) ? (value as PriorityClass) : fallback;
}

export const OriginAuth = z
  .object({
    header: z.string().min(1),
    /** Name of the Worker secret that holds the header value; the value itself is never stored in D1. */
    secret: z.string().min(1),
    /** Written before the secret, e.g. `Bearer `. */
    prefix: z.string().optional(),
  })
  .openapi('OriginAuth');
export type OriginAuth = z.infer<typeof OriginAuth>;

export const OriginConfig = z
  .object({
    id: z.string().min(1).max(64),
    url: z.string().url(),
    /** Concurrent requests this origin takes before the pool queues. */
    capacity: z.number().int().min(1).max(100_000).default(32),
    weight: z.number().min(0).max(1000).default(1),
  })
  .openapi('OriginConfig');
export type OriginConfig = z.infer<typeof OriginConfig>;

export const PoolTimeouts = z.object({
  headersMs: z.number().int().min(100).default(30_000),
  firstTokenMs: z.number().int().min(100).default(60_000),
  idleMs: z.number().int().min(100).default(30_000),
  totalMs: z.number().int().min(1000).default(600_000),
});
export type PoolTimeouts = z.infer<typeof PoolTimeouts>;

export const RetryPolicy = z.object({
  attempts: z.number().int().min(1).max(10).default(3),
  baseDelayMs: z.number().int().min(0).max(60_000).default(100),
  maxDelayMs: z.number().int().min(0).max(120_000).default(2_000),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/** When an origin's circuit opens and how it comes back. */
export const BreakerConfig = z.object({
  /** Consecutive failures that open the circuit. */
  consecutiveFailures: z.number().int().min(1).max(1000).default(5),
  /** Failure ratio over the window that opens the circuit, once `minRequests` were seen. */
  failureRate: z.number().min(0.01).max(1).default(0.5),
  windowMs: z.number().int().min(1000).max(600_000).default(30_000),
  minRequests: z.number().int().min(1).max(100_000).default(20),
  /** First cooldown before half-open; doubled on each trip in a row, up to `maxCooldownMs`. */
  cooldownMs: z.number().int().min(100).max(600_000).default(5_000),
  maxCooldownMs: z.number().int().min(100).max(3_600_000).default(120_000),
  /** Trial requests admitted at once while half-open. */
  halfOpenProbes: z.number().int().min(1).max(100).default(2),
  /** Successful trials that close the circuit again. */
  successesToClose: z.number().int().min(1).max(100).default(2),
});
export type BreakerConfig = z.infer<typeof BreakerConfig>;

export const PoolSlo = z.object({
  /** A stream whose first token took longer than this counts as a failure of its origin. */
  ttftMs: z.number().int().min(1).optional(),
});
export type PoolSlo = z.infer<typeof PoolSlo>;

export const PoolQueue = z.object({
  /** Waiters beyond this are shed, lowest priority first. */
  maxDepth: z.number().int().min(0).max(100_000).default(2_000),
  /** Longest a request waits for a slot before it is answered 429. */
  maxWaitMs: z.number().int().min(0).max(600_000).default(30_000),
});
export type PoolQueue = z.infer<typeof PoolQueue>;

export const PoolHealth = z.object({
  enabled: z.boolean().default(true),
  intervalMs: z.number().int().min(1000).max(3_600_000).default(10_000),
  timeoutMs: z.number().int().min(100).max(60_000).default(2_000),
});
export type PoolHealth = z.infer<typeof PoolHealth>;

export const PoolAffinity = z.object({
  /** Bounded load: an origin takes affinity traffic only up to this factor of the average load. */
  loadFactor: z.number().min(1).max(10).default(1.25),
});
export type PoolAffinity = z.infer<typeof PoolAffinity>;

/**
 * Slot blocks: while an origin has ample room, the pool object may hand an isolate a block of slots
 * on it, which that isolate then fills without a round trip per request. Each block is at most a
 * quarter of the origin's free slots, is handed out only while nobody waits in the queue, and takes new
 * requests only for `blockWindowMs`; then its idle slots go back.
 */
export const PoolAdmission = z.object({
  /** Most slots in one block; below 2 turns blocks off (one round trip per request). */
  blockSize: z.number().int().min(0).max(256).default(16),
  blockWindowMs: z.number().int().min(50).max(10_000).default(1_000),
});
export type PoolAdmission = z.infer<typeof PoolAdmission>;

/**
 * How streamed completions reach the pool's origins. `fetch` uses the runtime's HTTP client, with its
 * connection reuse and its reach to hosts behind Cloudflare's proxy. `socket` speaks HTTP/1.1 over a
 * TCP connection per stream (`connect()`), which reads whatever tokens have arrived in one go instead
 * of one HTTP chunk per read: far less CPU per token under load, at the cost of a connection setup per
 * stream. Not for hosts proxied by Cloudflare, which `connect()` cannot reach.
 */
export const StreamTransport = z.enum(['fetch', 'socket']);
export type StreamTransport = z.infer<typeof StreamTransport>;

export const PoolConfig = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9-]*$/),
    protocol: EngineProtocol,
    // Breakers, leases and probe results are keyed by origin id, so ids must be unique.
    origins: z
      .array(OriginConfig)
      .min(1)
      .max(64)
      .superRefine((origins, ctx) => {
        const seen = new Set<string>();
        origins.forEach((o, i) => {
          if (seen.has(o.id))
            ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `Duplicate origin id '${o.id}'.` });
          seen.add(o.id);
        });
      }),
    auth: OriginAuth.optional(),
    timeouts: PoolTimeouts.default(PoolTimeouts.parse({})),
    retry: RetryPolicy.default(RetryPolicy.parse({})),
    breaker: BreakerConfig.default(BreakerConfig.parse({})),
    slo: PoolSlo.default({}),
    queue: PoolQueue.default(PoolQueue.parse({})),
    health: PoolHealth.default(PoolHealth.parse({})),
    affinity: PoolAffinity.default(PoolAffinity.parse({})),
    admission: PoolAdmission.default(PoolAdmission.parse({})),
    streamTransport: StreamTransport.default('fetch'),
    /** Engine-specific settings (a Triton model name, an MII deployment, …). */
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .openapi('PoolConfig');
export type PoolConfig = z.infer<typeof PoolConfig>;

export const ModelRoute = z.object({
  pool: z.string(),
  /** The engine-side model name in that pool. */
  engineModel: z.string(),
});
export type ModelRoute = z.infer<typeof ModelRoute>;

export const ModelConfig = z
  .object({
    id: z.string().min(1).max(256),
    aliases: z.array(z.string()).default([]),
    ownedBy: z.string().default('eco'),
    /** Ordered: the first pool is preferred, the rest are the fallback chain. */
    routes: z.array(ModelRoute).min(1),
    capabilities: z.array(z.string()).default(['chat']),
    contextLength: z.number().int().positive().default(8192),
    source: z.string().optional(),
    createdAt: z.number().int().default(0),
  })
  .openapi('ModelConfig');
export type ModelConfig = z.infer<typeof ModelConfig>;
