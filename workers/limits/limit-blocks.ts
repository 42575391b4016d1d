import { budgetTooSmall } from '../../durable-objects/rate-limiter/budget-fit.ts';
import type {
  LimiterBlock,
  LimiterLimits,
  LimiterSnapshot,
  SettleEntry,
} from '../../durable-objects/rate-limiter/types.ts';
import { once } from '../dispatch/once.ts';
import type { After } from '../dispatch/request-timers.ts';
import type { Env } from '../env.ts';
import { requestExceedsBudget } from './budget-error.ts';
import { rateLimitHeaders } from './headers.ts';
import { heldSettles, keepReservation, type LimitTicket, sendSettles } from './limiter-stub.ts';

/**
 * Requests asked for in one limiter block (the limiter grants fewer when a limit is closer): doubled
 * while blocks run out before their window ends, halved while they go back mostly unused.
 */
const BLOCK_REQUESTS = { min: 16, max: 256 };
const blockWanted = new Map<string, number>();
/** How long an isolate admits requests from one block before what is left goes back. */
const BLOCK_WINDOW_MS = 1000;

/**
 * Requests, tokens and slots the limiter reserved for this isolate to admit on its own while every
 * limit has ample room (see `reserve` in limiter-core.ts). When its window is over, what was not used
 * goes back at once and the block keeps only its running requests and their tokens; each of those
 * that ends shrinks it further, the last one settles it.
 */
interface LimitBlock {
  reservationId: string;
  limits: LimiterLimits;
  /** `limits` as JSON: a request with other limits (the key was changed) does not use this block. */
  limitsText: string;
  snapshot: LimiterSnapshot;
  requestsLeft: number;
  tokensLeft: number;
  openUntil: number;
  busy: number;
  /** Tokens reserved by the requests still running. */
  busyTokens: number;
  requestsUsed: number;
  tokensUsed: number;
  /** Requests refused by the pools after the window closed: given back to the limiter at settle. */
  refunded: number;
  closed: boolean;
  /** Sends settles to the block's limiter object (one closure per block). */
  send: (items: SettleEntry[]) => Promise<void>;
  /** Keeps the block's reservation alive while one of its requests runs (see renewWhileRunning). */
  keepAlive: (after?: After) => () => void;
}

const blocks = new Map<string, LimitBlock>();

/**
 * Per limiter, the call under way that may bring this isolate a new block. Requests that find no
 * block with room meanwhile wait for it instead of each calling the limiter and each bringing back a
 * block that replaces the one before (under load, one request in ten went to the limiter that way).
 * The call belongs to another request, which may be cancelled before it settles: a waiter waits on a
 * timer of its own for at most REFILL_WAIT_MS, and then its own call takes the place of that one.
 */
interface Refill {
  /** Settles true when the call opened a block, false when not; never rejects. */
  done: Promise<boolean>;
  startedAt: number;
}

const refills = new Map<string, Refill>();
/** About a limiter round trip from a distant isolate. */
const REFILL_WAIT_MS = 250;
/** Keys whose last call brought no block (a limit too close), and when: nobody waits on them for a while. */
const noBlockSince = new Map<string, number>();
const NO_BLOCK_MEMORY_MS = 1_000;
const MAX_TRACKED = 10_000;

/** Mark a block call for `id` under way; call the result once it is answered (and any block opened). */
export function startRefill(id: string, now = Date.now()): () => void {
  if (refillUnderWay(id, now)) return () => {};
  let end!: (opened: boolean) => void;
  const refill: Refill = {
    done: new Promise<boolean>((resolve) => {
      end = resolve;
    }),
    startedAt: now,
  };
  if (refills.size >= MAX_TRACKED) refills.clear(); // bounded: entries of lost calls are only replaced
  refills.set(id, refill);
  const before = blocks.get(id);
  return () => {
    if (refills.get(id) === refill) refills.delete(id);
    // Only a block this call opened counts (one from before may have other limits, or be used up).
    const opened = blocks.get(id) !== undefined && blocks.get(id) !== before;
    if (opened) noBlockSince.delete(id);
    else {
      if (noBlockSince.size >= MAX_TRACKED) noBlockSince.clear();
      noBlockSince.set(id, Date.now());
    }
    end(opened);
  };
}

/**
 * The block call under way for `id` worth waiting for: started less than REFILL_WAIT_MS ago (an older
 * one is slow or lost), for a key whose last call brought a block.
 */
export function refillUnderWay(id: string, now = Date.now()): Refill | undefined {
  const refill = refills.get(id);
  if (!refill || now - refill.startedAt >= REFILL_WAIT_MS) return undefined;
  const noBlock = noBlockSince.get(id);
  return noBlock !== undefined && now - noBlock < NO_BLOCK_MEMORY_MS ? undefined : refill;
}

/**
 * Wait for `refill` on a timer of this request's own: `opened` when it opened a block, `none` when it
 * settled without one, `late` when it did not settle within REFILL_WAIT_MS.
 */
export async function blockRefilled(refill: Refill): Promise<'opened' | 'none' | 'late'> {
  let timer!: ReturnType<typeof setTimeout>;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), REFILL_WAIT_MS);
  });
  try {
    return await Promise.race([refill.done.then((opened) => (opened ? 'opened' : 'none')), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function blockRequestsWanted(id: string): number {
  return blockWanted.get(id) ?? BLOCK_REQUESTS.min;
}

export interface GrantedBlock {
  reservationId: string;
  limits: LimiterLimits;
  limitsText: string;
  /** Tokens this request reserves. */
  tokens: number;
  snapshot: LimiterSnapshot;
  block: LimiterBlock;
  /** The reservation's time to live without a renewal. */
  ttlMs: number;
}

/** Start admitting from a block the limiter granted; this request is its first. */
export function openLimitBlock(
  env: Env,
  id: string,
  granted: GrantedBlock,
  waitUntil: (promise: Promise<unknown>) => void,
  after?: After,
): LimitTicket {
  const block: LimitBlock = {
    reservationId: granted.reservationId,
    limits: granted.limits,
    limitsText: granted.limitsText,
    snapshot: granted.snapshot,
    requestsLeft: granted.block.requests,
    tokensLeft: granted.block.tokens,
    openUntil: Date.now() + BLOCK_WINDOW_MS,
    busy: 0,
    busyTokens: 0,
    requestsUsed: 0,
    tokensUsed: 0,
    refunded: 0,
    closed: false,
    send: sendSettles(env, id),
    // A closed block also says again what it still holds: should its settle have been lost, the
    // renewal would otherwise keep every slot of the block, not only its running requests'.
    keepAlive: (after) =>
      keepReservation(
        env,
        id,
        granted.reservationId,
        granted.ttlMs,
        () => (block.closed ? [blockEntry(block)] : []),
        after,
      ),
  };
  blocks.set(id, block);
  waitUntil(new Promise((resolve) => setTimeout(resolve, BLOCK_WINDOW_MS)).then(() => closeBlock(id, block)));
  return useBlock(id, block, granted.tokens, after);
}

/**
 * Admit from this isolate's block when it has room. A request larger than a whole token budget
 * never fits a block (a block is a small share of what is left): it is refused here as the limiter
 * would refuse it, and says nothing about how busy the key is.
 */
export function fromLimitBlock(
  id: string,
  limitsText: string,
  tokens: number,
  promptTokens?: number,
  after?: After,
): LimitTicket | undefined {
  const block = blocks.get(id);
  if (!block || block.closed || block.limitsText !== limitsText) return undefined;
  if (Date.now() >= block.openUntil) return undefined;
  if (block.requestsLeft < 1 || block.tokensLeft < tokens) {
    const over = budgetTooSmall(block.limits, tokens);
    if (over) throw requestExceedsBudget(over, promptTokens, rateLimitHeaders(blockView(block)));
    // Used up within its window: traffic is heavier than the block, so ask for a larger one.
    const wanted = blockWanted.get(id) ?? BLOCK_REQUESTS.min;
    if (blockWanted.size >= 10_000) blockWanted.clear(); // bounded: sizes relearn in a few windows
    blockWanted.set(id, Math.min(BLOCK_REQUESTS.max, wanted * 2));
    blocks.delete(id);
    return undefined;
  }
  return useBlock(id, block, tokens, after);
}

function useBlock(id: string, block: LimitBlock, tokens: number, after?: After): LimitTicket {
  block.requestsLeft--;
  block.tokensLeft -= tokens;
  block.requestsUsed++;
  block.busy++;
  block.busyTokens += tokens;
  const stopRenewing = block.keepAlive(after);
  return {
    headers: rateLimitHeaders(blockView(block)),
    settle: once(async (usedTokens: number | undefined, refund = false) => {
      stopRenewing();
      block.busy--;
      block.busyTokens -= tokens;
      block.tokensUsed += Math.max(0, Math.ceil(usedTokens ?? 0));
      // Nothing ran (the pools refused it): while the window is open the request is the block's again,
      // after it the limiter's.
      if (refund && !block.closed) {
        block.requestsUsed--;
        block.requestsLeft++;
      } else if (refund) block.refunded++;
      if (block.closed) await settleBlock(id, block);
    }),
  };
}

/** The limiter's view when the block was granted, plus what this isolate has not used of it yet. */
function blockView(block: LimitBlock): LimiterSnapshot {
  const { requests, tokens } = block.snapshot;
  return {
    requests: requests ? { ...requests, remaining: requests.remaining + block.requestsLeft } : null,
    tokens: tokens ? { ...tokens, remaining: tokens.remaining + Math.max(0, block.tokensLeft) } : null,
  };
}

async function closeBlock(id: string, block: LimitBlock): Promise<void> {
  block.closed = true;
  if (blocks.get(id) === block) {
    blocks.delete(id);
    // Mostly unused: traffic is lighter than the block; hold back less next time.
    if (block.requestsLeft > block.requestsUsed) {
      const wanted = (blockWanted.get(id) ?? BLOCK_REQUESTS.min) / 2;
      if (wanted <= BLOCK_REQUESTS.min) blockWanted.delete(id);
      else blockWanted.set(id, wanted);
    }
  }
  await settleBlock(id, block);
}

/** Where a closed block stands, as absolute figures (so a repeated or late entry changes nothing). */
function blockEntry(block: LimitBlock): SettleEntry {
  return {
    reservationId: block.reservationId,
    usedTokens: block.tokensUsed,
    limits: block.limits,
    requestsUsed: block.requestsUsed,
    ...(block.refunded > 0 ? { refundedRequests: block.refunded } : {}),
    ...(block.busy > 0 ? { keep: { requests: block.busy, tokens: block.busyTokens } } : {}),
  };
}

/**
 * Tell the limiter where the closed block stands: totals so far, and what it still holds while some
 * of its requests run (absolute figures, so a repeated or late entry changes nothing).
 */
function settleBlock(id: string, block: LimitBlock): Promise<void> {
  return heldSettles.add(id, blockEntry(block), block.send).catch((err: unknown) => {
    console.warn('limiter block settle failed; the reservation expires on its own', err);
  });
}
