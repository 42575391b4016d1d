import type { PriorityClass } from '../../schemas/config.ts';

/** RPC shapes of the EnginePool object. Plain data only: classes do not survive the RPC boundary. */

export interface PoolOrigin {
  id: string;
  url: string;
  capacity: number;
}

export interface AcquireRequest {
  pool: string;
  origins: PoolOrigin[];
  requestId: string;
  tenant: string;
  priority: PriorityClass;
  /** Origins this request already failed on; picked only when nothing else is left. */
  avoid?: string[];
}

export interface Lease {
  id: string;
  originId: string;
  url: string;
  expiresAt: number;
}

export type AcquireResult =
  | { ok: true; lease: Lease }
  | { ok: false; reason: 'no_origins' | 'full' | 'open'; retryAfterMs: number; message: string };

export type OutcomeKind = 'success' | 'failure' | 'client_error' | 'backoff' | 'aborted';

export interface LeaseOutcome {
  kind: OutcomeKind;
  status?: number;
  latencyMs?: number;
  ttftMs?: number;
  /** For `backoff`: how long the origin asked to be left alone. */
  retryAfterMs?: number;
}
