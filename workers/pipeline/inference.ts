import type { Context } from 'hono';
import { asEcoError } from '../../schemas/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { settings } from '../config/read-settings.ts';
import { type Dispatch, dispatchJson, dispatchStream, type FinishRecord } from '../dispatch/dispatch.ts';
import { type Endpoint, unsupported } from '../dispatch/endpoint.ts';
import { RequestTimers } from '../dispatch/request-timers.ts';
import { readJsonBody } from '../http/json-body.ts';
import { refuseTooManyValues } from '../http/json-values.ts';
import { traceparentToPropagate } from '../http/trace-context.ts';
import { hasTokenLimits } from '../limits/limit-id.ts';
import { type LimitTicket, reserveLimits } from '../limits/limits.ts';
import type { Principal } from '../principal.ts';
import { recordUsage, type UsageRecord } from '../usage/record-usage.ts';
import { resolvePriority } from './priority.ts';
import { resolveModel } from './resolve-model.ts';

/**
 * The max_tokens a request without one is sent with, or undefined to leave it to the engine: a key
 * with token limits must not spend more than its reservation (prompt + budget), or bursts of such
 * requests overshoot the limits before any usage is settled. It leaves the prompt room in the model's
 * context: an engine refuses a max_tokens that does not fit, where without one it would have answered.
 */
function defaultMaxTokens(
  principal: Principal,
  budget: number,
  contextLength: number,
  promptEstimate: number,
): number | undefined {
  if (!hasTokenLimits(principal.limits)) return undefined;
  // The prompt's size is an estimate: a quarter more, plus template tokens, covers its usual error.
  const room = contextLength - (promptEstimate + Math.ceil(promptEstimate / 4) + 16);
  if (room >= 1) return Math.min(budget, room);
  // The margin leaves no room; the estimate alone may (it runs high for some texts).
  const bare = contextLength - promptEstimate - 16;
  if (bare >= 1) return Math.min(budget, bare);
  // By the estimate the prompt fills the context: never a one-token answer that passes for a whole
  // one. The engine judges the prompt, and refuses it (400 context_length_exceeded) if it does not fit.
  return Math.min(budget, contextLength);
}

/** What an inference route extracts from its validated body. */
export interface InferenceRequest {
  model: string;
  /** Registry capability the model must have (`chat`, `completion`, `embedding`). */
  capability: string;
  stream: boolean;
  includeUsage: boolean;
  promptEstimate: number;
  /** The prompt estimate that sizes a default max_tokens against the context (default: promptEstimate). */
  contextEstimate?: number;
  maxTokens: number | undefined;
  /** Answers the engine generates, each up to max_tokens (one per prompt of a completions request). */
  answers?: number;
  /** The endpoint, sent with `defaultMaxTokens` as max_tokens when the request set none. */
  endpoint: (defaultMaxTokens: number | undefined) => Endpoint;
}

/**
 * From a validated body to the response: model resolution, per-key limits in parallel with pool
 * admission, dispatch, and usage accounting. One path for API, jobs and IM callers.
 */
export async function runInference(
  c: Context<AppEnv>,
  parse: (raw: unknown) => InferenceRequest,
): Promise<Response> {
  const startedAt = Date.now();
  const seen: Seen = { dispatched: false };
  try {
    return await dispatchInference(c, parse, seen);
  } catch (err) {
    // Refused before dispatch (a bad body, an unknown model, a priority it may not use): still one
    // usage row, so a client's errors show in its usage. From dispatch on, onFinish writes the row.
    if (!seen.dispatched) recordRefusal(c, seen.model, err, startedAt);
    throw err;
  }
}

/** How far a request got before it failed: whether dispatch took it over, and the model it named. */
interface Seen {
  dispatched: boolean;
  model?: string;
}

function recordRefusal(c: Context<AppEnv>, model: string | undefined, err: unknown, startedAt: number): void {
  const record = { status: asEcoError(err).status, latencyMs: Date.now() - startedAt, streamed: false };
  c.executionCtx.waitUntil(recordUsage(c.env.DB, usageRecord(c, model ?? '', record)).catch(() => {}));
}

/** The usage row of a request as it ended, whether dispatched or refused before. */
function usageRecord(c: Context<AppEnv>, model: string, record: FinishRecord): UsageRecord {
  const principal = c.get('principal');
  return {
    requestId: c.get('requestId'),
    keyId: principal.keyId,
    tenant: principal.tenant,
    model,
    pool: record.pool ?? null,
    origin: record.origin ?? null,
    promptTokens: record.usage?.prompt_tokens ?? 0,
    completionTokens: record.usage?.completion_tokens ?? 0,
    estimated: record.usage?.eco_estimated === true,
    status: record.status,
    latencyMs: record.latencyMs,
    ttftMs: record.ttftMs ?? null,
    streamed: record.streamed,
  };
}

async function dispatchInference(
  c: Context<AppEnv>,
  parse: (raw: unknown) => InferenceRequest,
  seen: Seen,
): Promise<Response> {
  const config = settings(c.env);
  const raw = await readJsonBody(c.req.raw, config.ECO_MAX_BODY_BYTES);
  refuseTooManyValues(raw);
  const named = (raw as { model?: unknown } | null)?.model;
  if (typeof named === 'string') seen.model = named.slice(0, 256);
  const principal = c.get('principal');
  // Reserved against token limits for a request without max_tokens.
  const budget = config.ECO_DEFAULT_MAX_TOKENS;
  const req = parse(raw);
  const requestId = c.get('requestId');
  const attemptId = dispatchId(requestId, c.req.header('x-request-id'));

  const resolved = await resolveModel(
    c.env,
    principal,
    req.model,
    c.req.header('x-eco-pool'),
    req.capability,
    (work) => c.executionCtx.waitUntil(work),
  );
  const { model } = resolved;
  // Rows name a model by its id (usage filters and groups read them so), whatever alias was asked for.
  seen.model = model.id;
  const sentDefault =
    req.maxTokens === undefined && req.capability !== 'embedding'
      ? defaultMaxTokens(principal, budget, model.contextLength, req.contextEstimate ?? req.promptEstimate)
      : undefined;
  const endpoint = req.endpoint(sentDefault);
  const plan = endpoint.supportedBy ? resolved.plan.filter((t) => endpoint.supportedBy!(t)) : resolved.plan;
  if (plan.length === 0) {
    const engines = [...new Set(resolved.plan.map((t) => t.adapter.engine))].join(', ');
    throw unsupported(`the ${req.capability} endpoint`, engines);
  }
  const priority = resolvePriority(principal, c.req.header('x-eco-priority'));
  const perAnswer = req.maxTokens ?? sentDefault ?? budget;
  const reserveTokens =
    req.promptEstimate + (req.capability === 'embedding' ? 0 : perAnswer * (req.answers ?? 1));

  // One runtime timer for all of this request's deadlines, cleared when it is over.
  const timers = new RequestTimers();
  // Per-key limits run in parallel with the pool admission; the origin request waits for both.
  let ticket: LimitTicket | undefined;
  const limits = reserveLimits(c.env, {
    after: timers.after,
    principal,
    requestId,
    reserveTokens,
    promptTokens: req.promptEstimate,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
  }).then((t) => {
    ticket = t;
  });
  limits.catch(() => {});

  const finish = (record: FinishRecord) => {
    timers.stop();
    c.executionCtx.waitUntil(
      Promise.allSettled([
        // The limiter may answer after the request already failed: settle once it has. A failed
        // request carries usage only for output an origin already produced (a stream cut short).
        limits.then(
          () => ticket?.settle(record.usage, record.refusedByPool === true),
          () => {},
        ),
        recordUsage(c.env.DB, usageRecord(c, model.id, record)),
      ]),
    );
  };

  const traceparent = traceparentToPropagate(c.req.header('traceparent'));
  const affinityKey = c.req.header('x-eco-affinity') ?? userField(raw);
  const dispatch: Dispatch = {
    env: c.env,
    requestId: attemptId,
    tenant: principal.tenant,
    priority,
    clientSignal: c.req.raw.signal,
    timing: c.get('timing'),
    gate: limits,
    waitUntil: (p) => c.executionCtx.waitUntil(p),
    endpoint,
    includeUsage: req.includeUsage,
    clientModel: req.model,
    plan,
    holdMs: config.ECO_STREAM_HOLD_MS,
    flushMs: config.ECO_STREAM_FLUSH_MS,
    promptEstimate: req.promptEstimate,
    headers: () => ({ 'x-request-id': requestId, ...(ticket?.headers ?? {}) }),
    onFinish: finish,
    after: timers.after,
    ...(traceparent ? { traceparent } : {}),
    ...(affinityKey ? { affinityKey } : {}),
  };
  seen.dispatched = true;
  return req.stream ? dispatchStream(dispatch) : dispatchJson(dispatch);
}

/**
 * The id the dispatch names this request by: the completion id an engine leaves out, the origin's
 * `x-request-id`, the key of its wait in a pool's queue. A caller's own id is echoed to it and kept on
 * usage rows, but callers repeat theirs (a constant, the same id on each retry), so here it gets a
 * random suffix; a generated id is unique already.
 */
function dispatchId(requestId: string, incoming: string | undefined): string {
  if (incoming !== requestId) return requestId;
  return `${requestId}-${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

/** The OpenAI `user` field doubles as the affinity key when no `x-eco-affinity` header is sent. */
function userField(raw: unknown): string | undefined {
  const user = (raw as { user?: unknown } | null)?.user;
  return typeof user === 'string' && user.length > 0 ? user : undefined;
}
