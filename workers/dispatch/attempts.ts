import type { LeaseOutcome } from '../../durable-objects/engine-pool/types.ts';
import { isAnswerRefusal } from '../../origins/answer-refusal.ts';
import type { CallContext, OriginRequest } from '../../origins/types.ts';
import type { PriorityClass } from '../../schemas/config.ts';
import { asEcoError, EcoError } from '../../schemas/errors.ts';
import type { Env } from '../env.ts';
import type { ServerTiming } from '../http/server-timing.ts';
import { type Admitted, admit } from './admission.ts';
import { committedError, isCommitted } from './committed.ts';
import { pullMissingModel } from './model-pull.ts';
import { fetchOrigin, withoutPoolSecret } from './origin-fetch.ts';
import type { OriginResponse } from './origin-response.ts';
import { refusedByPool } from './refused-by.ts';
import type { After } from './request-timers.ts';
import { backoffMs, isRetryable, outcomeKind } from './retry-policy.ts';
import type { RouteTarget } from './route-plan.ts';
import { readAllText, TimedReader } from './timed-reader.ts';

const MAX_ERROR_BODY = 64 * 1024;

export interface AttemptContext {
  env: Env;
  requestId: string;
  tenant: string;
  priority: PriorityClass;
  traceparent?: string;
  clientSignal: AbortSignal;
  timing: ServerTiming;
  /** Settles before the first origin request starts (per-key limits run in parallel with admission). */
  gate?: Promise<void>;
  waitUntil: (promise: Promise<unknown>) => void;
  /** Conversation/prefix key for origin affinity (`x-eco-affinity` or the request's `user`). */
  affinityKey?: string;
  /** The request's timers (see RequestTimers); each deadline gets a runtime timer of its own without. */
  after?: After;
}

/** A live exchange with one origin whose response headers said 2xx. */
export interface OpenExchange {
  target: RouteTarget;
  admitted: Admitted;
  reader: TimedReader;
  response: OriginResponse;
  call: CallContext;
  startedAt: number;
}

/**
 * Runs `body` against the route plan: each pool gets up to its retry budget, with backoff and full
 * jitter between tries, then the next pool of the chain. Errors the client caused end it at once.
 * `body` returns a value to finish, or throws: an error thrown after output started must not be
 * retried, so `body` marks it with `committed`.
 */
export async function withFailover<T>(
  plan: RouteTarget[],
  ctx: AttemptContext,
  build: (target: RouteTarget) => { request: OriginRequest; call: CallContext },
  body: (exchange: OpenExchange) => Promise<T>,
): Promise<T> {
  let last: EcoError | undefined;
  const failedOrigins: string[] = [];
  // A non-stream call may wait up to a pool's totalMs for its answer: that limit bounds the request,
  // counted from its first try, so tries after a hung origin share it instead of each taking it whole.
  const requestStart = Date.now();
  let nonStream = false;
  // Whether an origin request was started: a refusal when none was is the pools' alone.
  let reachedOrigin = false;
  /** The first pool whose engine refused the request's parameters or content. */
  let engineRefusal: EcoError | undefined;
  for (const target of plan) {
    const policy = target.pool.retry;
    const deadline = requestStart + target.pool.timeouts.totalMs;
    for (let attempt = 0; attempt < policy.attempts; attempt++) {
      if (ctx.clientSignal.aborted)
        throw new EcoError(499, 'client_closed', 'The client closed the request.');
      if (nonStream && Date.now() >= deadline) break;
      // Built before admission: a pool whose engine cannot take the request as asked is passed over
      // without waiting in its queue or holding one of its slots; another pool of the chain may take it.
      let built: { request: OriginRequest; call: CallContext };
      try {
        built = build(target);
      } catch (err) {
        const refused = asEcoError(err);
        if (!ENGINE_REFUSALS.has(refused.code)) throw err;
        engineRefusal ??= refused;
        break;
      }
      let admitted: Admitted;
      try {
        admitted = await admit(ctx.env, target.pool, {
          requestId: ctx.requestId,
          tenant: ctx.tenant,
          priority: ctx.priority,
          avoid: failedOrigins,
          signal: ctx.clientSignal,
          ...(ctx.gate ? { gate: ctx.gate } : {}),
          waitUntil: ctx.waitUntil,
          ...(ctx.affinityKey === undefined ? {} : { affinityKey: ctx.affinityKey }),
        });
      } catch (err) {
        // The key's limits refused while this request waited in the pool's queue: that is the answer.
        if (isCommitted(err)) throw err;
        const refused = asEcoError(err);
        // "No origin available" after an origin of this request answered (often: the only one, now
        // backing off as it asked): that origin's own answer, with its Retry-After, says more.
        if (!(last && refused.code === 'origin_unavailable')) last = refused;
        break; // this pool cannot take the request now: next pool
      }
      // When this attempt's origin request started: after the key's limits, and again after a model pull.
      const clock = { startedAt: Date.now() };
      // Ends this attempt's origin request (connect, head and body, whichever transport) if it fails.
      const attemptEnd = new AbortController();
      try {
        if (ctx.gate) {
          await ctx.gate.catch((err: unknown) => gateRefused(admitted, err));
          // The origin's time starts when its request does, not while the key's limits were checked.
          clock.startedAt = Date.now();
        }
        const { request, call } = built;
        nonStream = !call.stream;
        reachedOrigin = true;
        const signal = AbortSignal.any([ctx.clientSignal, attemptEnd.signal]);
        const exchange = await open(target, admitted, request, call, ctx, clock, signal, deadline);
        const result = await body(exchange);
        return result;
      } catch (err) {
        // Whatever failed, the origin stops generating for this attempt now, not when the request ends.
        attemptEnd.abort(new Error('attempt failed'));
        const error = ctx.clientSignal.aborted
          ? new EcoError(499, 'client_closed', 'The client closed the request.')
          : withoutPoolSecret(asEcoError(err), target.pool, ctx.env);
        const committed = isCommitted(err);
        const kind = outcomeKind(error);
        const settled = settle(admitted, error, kind, clock.startedAt);
        ctx.waitUntil(settled);
        // An origin failure reaches its breaker before the client or the next attempt moves on, so
        // sequential callers cannot outrun it (one pool round trip, on the failure path only).
        if (!committed && kind !== 'client_error') await settled;
        // Found only in the answer (an engine that ignored `dimensions`): the pool's engine cannot do
        // what was asked, as a refusal found before asking would have said; another pool may.
        if (!committed && isAnswerRefusal(err)) {
          engineRefusal ??= error;
          break;
        }
        if (committed || !isRetryable(error)) throw error;
        last = error;
        failedOrigins.push(admitted.lease.originId);
        // An origin's own Retry-After is honoured by its pool, which skips that origin until then
        // (settled above): the next try goes elsewhere and need not wait it out.
        const retryAfterMs = kind === 'backoff' ? undefined : error.retryAfterMs;
        if (attempt + 1 < policy.attempts)
          await sleep(backoffMs(policy, attempt, retryAfterMs), ctx.clientSignal);
      }
    }
  }
  // An outage elsewhere in the chain says more than a pool whose engine cannot take the request's
  // parameters: it is temporary, and the client's retry may reach a pool that can.
  const error =
    last ?? engineRefusal ?? new EcoError(503, 'origin_unavailable', 'No origin could serve the request.');
  throw !reachedOrigin && (error.status === 429 || error.status === 503) ? refusedByPool(error) : error;
}

/** Refusals of what one engine cannot do (a parameter, a content part, an endpoint), not of the request. */
const ENGINE_REFUSALS: ReadonlySet<string> = new Set([
  'unsupported_parameter',
  'unsupported_content',
  'unsupported_by_engine',
]);

async function open(
  target: RouteTarget,
  admitted: Admitted,
  request: OriginRequest,
  call: CallContext,
  ctx: AttemptContext,
  clock: { startedAt: number },
  signal: AbortSignal,
  deadline: number,
  pulled = false,
): Promise<OpenExchange> {
  const timeouts = target.pool.timeouts;
  // What is left of the request's total limit (non-stream calls only).
  const remaining = () => Math.max(1, deadline - Date.now());
  ctx.timing.originStarted();
  const response = await fetchOrigin({
    baseUrl: admitted.lease.url,
    request,
    pool: target.pool,
    env: ctx.env,
    requestId: ctx.requestId,
    signal,
    // A non-stream answer comes whole, headers included, once the engine has generated all of it:
    // only the total limit can bound that wait. Streams send headers before the first token.
    headersTimeoutMs: call.stream ? timeouts.headersMs : remaining(),
    ...(call.stream
      ? {}
      : { timeoutMessage: `No answer from the origin within the total limit of ${timeouts.totalMs} ms.` }),
    transport: call.stream ? target.pool.streamTransport : 'fetch',
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    ...(ctx.after ? { after: ctx.after } : {}),
  }).finally(() => ctx.timing.originResponded());
  const reader = new TimedReader(response, call.stream ? timeouts.totalMs : remaining(), signal, ctx.after);
  if (!response.ok) {
    const text = await readAllText(reader, timeouts.idleMs, timeouts.idleMs, MAX_ERROR_BODY).catch(() => '');
    // Model pulls (Ollama pull-on-demand): fetch a missing model once, then ask again.
    if (!pulled && (await pullMissingModel(target, admitted, call, ctx, response.status, text))) {
      // The pull is not the origin's answer time: its clock restarts with the request sent again.
      clock.startedAt = Date.now();
      return open(target, admitted, request, call, ctx, clock, signal, deadline, true);
    }
    throw target.adapter.mapError(response.status, text, response.headers);
  }
  return { target, admitted, reader, response, call, startedAt: clock.startedAt };
}

function settle(
  admitted: Admitted,
  error: EcoError,
  kind: LeaseOutcome['kind'],
  started: number,
): Promise<void> {
  const outcome: LeaseOutcome = {
    kind,
    status: error.status,
    latencyMs: Date.now() - started,
    code: error.code,
  };
  if (error.retryAfterMs !== undefined) outcome.retryAfterMs = error.retryAfterMs;
  return admitted.release(outcome).catch(() => {});
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Per-key limits refused the request: the unused lease goes back as neutral, and nothing is retried. */
async function gateRefused(admitted: Admitted, err: unknown): Promise<never> {
  await admitted.release({ kind: 'aborted', status: 499, latencyMs: 0 }).catch(() => {});
  throw committedError(err);
}
