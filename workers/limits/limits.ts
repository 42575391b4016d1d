import type { Usage } from '../../schemas/openai/chat.ts';
import type { After } from '../dispatch/request-timers.ts';
import type { Env } from '../env.ts';
import type { Principal } from '../principal.ts';
import { reserveForId } from './limit-id.ts';

/** What admission through the per-key limits returns: response headers, and how to settle the reservation. */
export interface LimitTicket {
  headers: Record<string, string>;
  /**
   * Settle the reserved tokens with what the request really used (undefined: nothing was served).
   * `refused`: the engine pools refused it before any origin saw it, so it does not count as a request.
   */
  settle(usage: Usage | undefined, refused?: boolean): Promise<void>;
}

export interface LimitRequest {
  principal: Principal;
  requestId: string;
  /** Tokens reserved up front: the prompt estimate plus the completion budget. */
  reserveTokens: number;
  /** The prompt estimate within `reserveTokens` (tells whether a smaller max_tokens could fit a budget). */
  promptTokens?: number;
  /** Lets the limiter grant this isolate a block of requests (see reserveForId). */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** The request's timers (see RequestTimers). */
  after?: After;
}

/**
 * Per-key admission. Rejections throw a 429 EcoError with the rate-limit headers (a 400 for a request
 * larger than a whole token budget). Keys without limits configured pass without a Durable Object
 * round trip.
 */
export async function reserveLimits(env: Env, req: LimitRequest): Promise<LimitTicket> {
  const ticket = await reserveForId(
    env,
    req.principal.keyId,
    req.principal.limits,
    // The request id may be the caller's own (x-request-id) and repeat; a reservation id must not,
    // or one request's reservation would replace another's and its slot and charge would be lost.
    `${req.requestId}:${crypto.randomUUID()}`,
    req.reserveTokens,
    { waitUntil: req.waitUntil, promptTokens: req.promptTokens, after: req.after },
  );
  return {
    headers: ticket.headers,
    settle: (usage, refused = false) =>
      ticket
        .settle(
          usage ? (usage.total_tokens ?? usage.prompt_tokens + (usage.completion_tokens ?? 0)) : undefined,
          refused && usage === undefined,
        )
        .catch((err: unknown) => console.warn('limit settle failed', err)),
  };
}
