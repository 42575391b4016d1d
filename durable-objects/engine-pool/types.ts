import type { HealthState, LoadMetrics } from '../../origins/types.ts';
import type { PoolConfig, PriorityClass } from '../../schemas/config.ts';
import type { BreakerSnapshot, BreakerState } from './breaker.ts';

/** RPC shapes of the EnginePool object. Plain data only: classes do not survive the RPC boundary. */

export interface PoolOrigin {
  id: string;
  url: string;
  capacity: number;
}

export interface AcquireRequest {
  pool: string;
  /** The pool's configuration as the caller's registry sees it; the object keeps the newest. */
  config: PoolConfig;
  /** Changes whenever the config does. */
  configKey: string;
  /**
   * The stored config's version (0 when unknown): the object applies the config only when it is
   * newer than the one it holds, so a caller with a stale copy cannot roll the pool back.
   */
  configVersion: number;
  requestId: string;
  /**
   * What the caller's `cancel` names this call by (the request id when absent): unique per call, as
   * request ids may repeat and one request may call more than once.
   */
  cancelKey?: string;
  tenant: string;
  priority: PriorityClass;
  /** Origins this request already failed on; picked only when nothing else is left. */
  avoid?: string[];
  /** Conversation or prefix key: the same key keeps its origin while that origin is not overloaded. */
  affinityKey?: string;
  /** Longest the caller will wait in the queue (capped by the pool's own limit). */
  maxWaitMs?: number;
  /** Releases this isolate held back (successes), applied before this request is decided. */
  releases?: LeaseRelease[];
  /** The caller can take a block of slots (see PoolAdmission) instead of a single one. */
  block?: boolean;
}

/**
 * One finished lease, as sent in a batch. For a block lease it reports one request served from the
 * block (`outcome`, if any) and how many slots the block still holds (`keepSlots`; 0 ends it).
 */
export interface LeaseRelease {
  leaseId: string;
  outcome?: LeaseOutcome;
  keepSlots?: number;
  /** A block's origin: its outcomes still count when they arrive after the block is gone. */
  originId?: string;
  /** The block's origin URL: an outcome of a URL the origin no longer has is not counted. */
  url?: string;
}

export interface Lease {
  id: string;
  originId: string;
  url: string;
  expiresAt: number;
  /** Slots this lease holds on its origin: 1, or more for a block. */
  slots?: number;
  /** A block: its holder may start requests on it for `useForMs` after the grant. */
  block?: { slots: number; useForMs: number };
  /** A half-open trial request. */
  probe?: boolean;
  /** A trial's half-open spell (its breaker's `openedAt` at the grant); a later spell ignores it. */
  trialOf?: number;
}

export type RefusalReason = 'no_origins' | 'full' | 'open' | 'shed' | 'timeout' | 'cancelled';

export type AcquireResult =
  | {
      ok: true;
      lease: Lease;
      queuedMs?: number;
      /** Set when the object runs a newer config than the caller offered: its version. */
      configVersion?: number;
    }
  | { ok: false; reason: RefusalReason; retryAfterMs: number; message: string };

export type OutcomeKind = 'success' | 'failure' | 'client_error' | 'backoff' | 'aborted';

export interface LeaseOutcome {
  kind: OutcomeKind;
  status?: number;
  latencyMs?: number;
  ttftMs?: number;
  /** For `backoff`: how long the origin asked to be left alone. */
  retryAfterMs?: number;
  /** Short machine reason (error code) for visibility. */
  code?: string;
}

export interface ProbeResult {
  state: HealthState;
  checkedAt: number;
  latencyMs: number;
  metrics?: LoadMetrics;
  error?: string;
}

export interface Percentiles {
  count: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

/** Fixed histogram bucket upper bounds in ms (Prometheus `le`), shared by latency and TTFT. */
export const HISTOGRAM_BOUNDS_MS = [
  5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000,
] as const;

export interface Histogram {
  /** Cumulative counts per bound, then +Inf last. */
  buckets: number[];
  sum: number;
  count: number;
}

export interface OriginLiveState {
  id: string;
  url: string;
  capacity: number;
  inFlight: number;
  breaker: BreakerSnapshot & { window: { requests: number; failures: number } };
  available: boolean;
  probe?: ProbeResult;
  outcomes: Record<string, number>;
  latency: Percentiles;
  ttft: Percentiles;
  latencyHistogram: Histogram;
  ttftHistogram: Histogram;
}

export interface PoolLiveState {
  pool: string;
  /** `degraded`: no origin can take traffic; `partial`: some cannot. */
  status: 'ok' | 'partial' | 'degraded' | 'idle';
  configKnown: boolean;
  /** Version of the config the object runs (0: unversioned or none). */
  configVersion: number;
  inFlight: number;
  leases: number;
  queue: { depth: number; byClass: Record<PriorityClass, number>; maxDepth: number };
  admissions: Record<string, number>;
  drainPerSecond: number;
  origins: OriginLiveState[];
  /** Lease-table writes that failed since the object started (each is tried again in the next window). */
  leaseStoreFailures?: number;
  /** Breaker writes that failed since the object started (each is tried again with the next call). */
  breakerStoreFailures?: number;
  /** Ids of origins removed from the config whose isolation is kept (until `reset` or a new URL). */
  keptIsolations?: string[];
}

export type OriginAction = 'isolate' | 'reset';

export type { BreakerState };
