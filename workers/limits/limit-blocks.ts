import type {
  LimiterBlock,
  LimiterLimits,
  LimiterSnapshot,
  SettleEntry,
} from '../../durable-objects/rate-limiter/types.ts';
import { once } from '../dispatch/once.ts';
import type { Env } from '../env.ts';
import { rateLimitHeaders } from './headers.ts';
import { heldSettles, type LimitTicket, sendSettles } from './limiter-stub.ts';

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
 * limit has ample room (see `reserve` in limiter-core.ts). Settled in one entry once its window is
 * over and its last request is done; what was not used goes back then.
 */
interface LimitBlock {
  reservationId: string;
  limits: string;
  snapshot: LimiterSnapshot;
  requestsLeft: number;
  tokensLeft: number;
  openUntil: number;
  busy: number;
  requestsUsed: number;
  tokensUsed: number;
  closed: boolean;
}

const blocks = new Map<string, LimitBlock>();

export function blockRequestsWanted(id: string): number {
  return blockWanted.get(id) ?? BLOCK_REQUESTS.min;
}

export interface GrantedBlock {
  reservationId: string;
  limitsText: string;
  /** Tokens this request reserves. */
  tokens: number;
  snapshot: LimiterSnapshot;
  block: LimiterBlock;
}

/** Start admitting from a block the limiter granted; this request is its first. */
export function openLimitBlock(
  env: Env,
  id: string,
  granted: GrantedBlock,
  waitUntil: (promise: Promise<unknown>) => void,
): LimitTicket {
  const block: LimitBlock = {
    reservationId: granted.reservationId,
    limits: granted.limitsText,
    snapshot: granted.snapshot,
    requestsLeft: granted.block.requests,
    tokensLeft: granted.block.tokens,
    openUntil: Date.now() + BLOCK_WINDOW_MS,
    busy: 0,
    requestsUsed: 0,
    tokensUsed: 0,
    closed: false,
  };
  blocks.set(id, block);
  waitUntil(
    new Promise((resolve) => setTimeout(resolve, BLOCK_WINDOW_MS)).then(() => closeBlock(env, id, block)),
  );
  return useBlock(env, id, block, granted.tokens);
}

export function fromLimitBlock(
  env: Env,
  id: string,
  limits: string,
  tokens: number,
): LimitTicket | undefined {
  const block = blocks.get(id);
  if (!block || block.closed || block.limits !== limits) return undefined;
  if (Date.now() >= block.openUntil) return undefined;
  if (block.requestsLeft < 1 || block.tokensLeft < tokens) {
    // Used up within its window: traffic is heavier than the block, so ask for a larger one.
    const wanted = blockWanted.get(id) ?? BLOCK_REQUESTS.min;
    blockWanted.set(id, Math.min(BLOCK_REQUESTS.max, wanted * 2));
    blocks.delete(id);
    return undefined;
  }
  return useBlock(env, id, block, tokens);
}

function useBlock(env: Env, id: string, block: LimitBlock, tokens: number): LimitTicket {
  block.requestsLeft--;
  block.tokensLeft -= tokens;
  block.requestsUsed++;
  block.busy++;
  return {
    headers: rateLimitHeaders(blockView(block)),
    settle: once(async (usedTokens: number | undefined) => {
      block.busy--;
      block.tokensUsed += Math.max(0, Math.ceil(usedTokens ?? 0));
      if (block.closed && block.busy === 0) await settleBlock(env, id, block);
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

async function closeBlock(env: Env, id: string, block: LimitBlock): Promise<void> {
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
  if (block.busy === 0) await settleBlock(env, id, block);
}

function settleBlock(env: Env, id: string, block: LimitBlock): Promise<void> {
  const entry: SettleEntry = {
    reservationId: block.reservationId,
    usedTokens: block.tokensUsed,
    limits: JSON.parse(block.limits) as LimiterLimits,
    requestsUsed: block.requestsUsed,
  };
  return heldSettles.add(id, entry, sendSettles(env, id)).catch(() => {});
}
