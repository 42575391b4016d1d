import { readErrorBody } from '../../origins/errors.ts';
import { pullLimitMs } from '../../origins/pull-limits.ts';
import type { CallContext, EngineAdapter } from '../../origins/types.ts';
import { EcoError } from '../../schemas/errors.ts';
import type { Admitted } from './admission.ts';
import type { AttemptContext } from './attempts.ts';
import { fetchOrigin } from './origin-fetch.ts';
import type { RouteTarget } from './route-plan.ts';
import { TimedReader } from './timed-reader.ts';

/** Longest silence between progress lines (pool option `pullIdleMs`); digest checks can be slow. */
const DEFAULT_IDLE_MS = 120_000;
/** How often a request waiting on another's pull asks how it went. */
const POLL_MS = 250;

/** What a request does when the pool object cannot say who pulls: it pulls itself. */
const PULL_ALONE = { leader: true } as const;

const MISSING_MANIFEST = /manifest.*(does not exist|not found)|file does not exist/i;

/**
 * Pull-on-demand. When an origin says the requested model is not there and the engine can fetch it,
 * one request per origin and model (single flight through the pool's Durable Object) pulls it while
 * the others wait; then the caller asks the origin again, once. The time spent here is loading: the
 * time-to-first-token limit only starts with the re-issued request. Returns false when the failure is
 * not a missing model (the caller maps it as usual); throws when the pull fails.
 */
export async function pullMissingModel(
  target: RouteTarget,
  admitted: Admitted,
  call: CallContext,
  ctx: AttemptContext,
  status: number,
  body: string,
): Promise<boolean> {
  const adapter = target.adapter;
  if (!adapter.pull || !adapter.missingModel?.(status, body)) return false;
  const options = target.pool.options;
  if (options.pullOnDemand === false) return false;
  const ttlMs = pullLimitMs(options);
  const originId = admitted.lease.originId;
  const model = call.engineModel;
  const stub = ctx.env.ENGINE_POOL.getByName(target.pool.name);
  // One limit for the whole wait, however it is spent: the origin slot's lease was sized for one pull
  // (lease-run.ts), so a request that takes over a vanished leader's pull only has what is left.
  const deadline = Date.now() + ttlMs;
  // The pool object only coordinates the pull: when it does not answer, this request pulls by itself
  // (the engine joins concurrent pulls of one model). Its failure is never the origin's.
  for (let left = ttlMs; left > 0; left = deadline - Date.now()) {
    const begin = await stub.beginModelPull(originId, model, left, ctx.requestId).catch(() => PULL_ALONE);
    if (begin.leader) {
      try {
        await runPull(target, admitted, model, ctx, left);
      } catch (err) {
        const error = err instanceof EcoError ? err : pullFailed(adapter, model, String(err));
        // A leader whose client left gives the pull up without an error, so a waiter takes over.
        const aborted = ctx.clientSignal.aborted;
        await stub
          .endModelPull(originId, model, false, aborted ? undefined : error.message, ctx.requestId)
          .catch(() => {});
        throw error;
      }
      // Best effort: waiters that do not hear of it find the pull gone once its time is up, and pull
      // again (at once: the model is there).
      await stub.endModelPull(originId, model, true, undefined, ctx.requestId).catch(() => {});
      return true;
    }
    for (;;) {
      await sleep(POLL_MS, ctx.clientSignal);
      if (ctx.clientSignal.aborted)
        throw new EcoError(499, 'client_closed', 'The client closed the request.');
      const state = await stub.modelPullStatus(originId, model).catch(() => undefined);
      // No answer: ask to lead again (the object, or this request alone, decides who pulls).
      if (state === undefined) break;
      if (state.state === 'done') return true;
      if (state.state === 'failed') throw pullFailed(adapter, model, state.error);
      if (state.state === 'none') break; // the leader vanished: try to lead
      if (Date.now() >= deadline) break;
    }
  }
  throw new EcoError(
    504,
    'origin_timeout',
    `${adapter.engine}: pulling '${model}' took longer than ${ttlMs} ms`,
  );
}

async function runPull(
  target: RouteTarget,
  admitted: Admitted,
  model: string,
  ctx: AttemptContext,
  limitMs: number,
): Promise<void> {
  const adapter = target.adapter;
  const pull = adapter.pull!;
  const pool = target.pool;
  const idleMs = typeof pool.options.pullIdleMs === 'number' ? pool.options.pullIdleMs : DEFAULT_IDLE_MS;
  const response = await fetchOrigin({
    baseUrl: admitted.lease.url,
    request: pull.build(model, pool),
    pool,
    env: ctx.env,
    requestId: ctx.requestId,
    signal: ctx.clientSignal,
    headersTimeoutMs: pool.timeouts.headersMs,
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
  });
  const reader = new TimedReader(response, limitMs);
  const progress = pull.progress();
  let succeeded = false;
  let text = '';
  const decoder = new TextDecoder();
  for (;;) {
    const chunk = await reader.read(idleMs, 'its pull progress idle limit');
    if (!response.ok) {
      if (chunk) text += decoder.decode(chunk, { stream: true });
      if (!chunk || text.length > 64 * 1024) break;
      continue;
    }
    for (const line of chunk ? progress.push(chunk) : progress.end()) {
      if (line.error !== undefined) {
        reader.cancel('pull failed');
        throw pullFailed(adapter, model, line.error);
      }
      if (line.status === 'success') succeeded = true;
    }
    if (!chunk) break;
  }
  if (!response.ok) {
    throw pullFailed(adapter, model, `${readErrorBody(text).message} (HTTP ${response.status})`);
  }
  if (!succeeded) throw pullFailed(adapter, model, 'the progress stream ended before success');
}

/** An unknown model name cannot be fixed by retrying; anything else may be transient. */
function pullFailed(adapter: EngineAdapter, model: string, detail: string): EcoError {
  const message = `${adapter.engine}: pulling '${model}' failed: ${detail.slice(0, 300)}`;
  return MISSING_MANIFEST.test(detail)
    ? new EcoError(502, 'origin_misconfigured', message)
    : new EcoError(502, 'model_pull_failed', message);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
