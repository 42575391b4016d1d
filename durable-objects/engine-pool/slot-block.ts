import type { PoolConfig } from '../../schemas/config.ts';
import type { OriginSlot } from './origin-picker.ts';
import type { AcquireRequest } from './types.ts';

/** A block shorter than this is not worth its bookkeeping. */
const MIN_BLOCK_WINDOW_MS = 50;

export interface BlockContext {
  /** Absent in a config written before blocks existed: no blocks for it. */
  admission: PoolConfig['admission'] | undefined;
  /** The pool's shortest breaker cooldown: no block outlives it. */
  cooldownMs: number;
  queued: number;
  slots: Iterable<OriginSlot>;
  inFlight: (originId: string) => number;
  /** The pool's next breaker deadline, if any (asked only when a block is possible). */
  nextDeadline: () => number | undefined;
  now: number;
}

export interface SlotBlock {
  slots: number;
  useForMs: number;
}

/**
 * A block of slots on `slot` for this caller, or undefined: only for callers that can use one, with
 * nobody queued, on a closed circuit while no origin of the pool is half-open, without affinity
 * (which must pick per request), and at most a quarter of the origin's free slots, so that blocks
 * never hold back much of a pool's room. A block never outlives the next breaker deadline: when an
 * origin turns half-open, its trial requests must come through the pool, not go to a block elsewhere.
 * Nor the breaker's cooldown: an origin that trips after the grant is half-open only once its blocks
 * have ended, so none of them sends it more than its trial requests.
 */
export function blockFor(req: AcquireRequest, slot: OriginSlot, ctx: BlockContext): SlotBlock | undefined {
  const { admission } = ctx;
  if (!req.block || !admission || admission.blockSize < 2) return undefined;
  if (req.affinityKey !== undefined || ctx.queued > 0 || slot.breaker.state !== 'closed') return undefined;
  for (const other of ctx.slots) if (other.breaker.state === 'half_open') return undefined;
  const slots = Math.min(admission.blockSize, Math.floor((slot.capacity - ctx.inFlight(slot.id)) / 4));
  if (slots < 2) return undefined;
  const until = ctx.nextDeadline();
  const useForMs = Math.min(
    admission.blockWindowMs,
    ctx.cooldownMs,
    until === undefined ? Number.POSITIVE_INFINITY : until - ctx.now,
  );
  return useForMs >= MIN_BLOCK_WINDOW_MS ? { slots, useForMs } : undefined;
}
