import type { EngineAdapter, HealthState, LoadMetrics, OriginRequest } from '../../origins/types.ts';
import type { PoolConfig } from '../../schemas/config.ts';
import { forEachBounded } from '../../workers/for-each-bounded.ts';
import { readAtMost } from '../../workers/http/read-at-most.ts';
import type { ProbeResult } from './types.ts';

/** A Worker invocation (an alarm included) may hold at most six outgoing connections at once. */
export const MAX_PROBE_CONNECTIONS = 6;
const MAX_PROBE_BODY = 256 * 1024;

export interface ProbeDeps {
  fetch: typeof fetch;
  now: () => number;
  /** Origin auth header for this pool (from its named secret), or none. */
  authHeaders: Record<string, string>;
}

/**
 * Probe every origin of a pool through the engine's cheap native endpoints (health/readiness, then
 * load metrics when the engine has them), never a completion, at most six at once.
 */
export async function probePool(
  config: PoolConfig,
  adapter: EngineAdapter,
  deps: ProbeDeps,
): Promise<Map<string, ProbeResult>> {
  const results = new Map<string, ProbeResult>();
  await forEachBounded(config.origins, MAX_PROBE_CONNECTIONS, async (origin) => {
    results.set(origin.id, await probeOrigin(origin.url, config, adapter, deps));
  });
  return results;
}

async function probeOrigin(
  url: string,
  config: PoolConfig,
  adapter: EngineAdapter,
  deps: ProbeDeps,
): Promise<ProbeResult> {
  const started = deps.now();
  const timeoutMs = config.health.timeoutMs;
  let state: HealthState;
  try {
    const health = await call(url, adapter.health.request(config), deps, timeoutMs);
    state = adapter.health.interpret(health.status, health.body);
  } catch (err) {
    return { state: 'down', checkedAt: deps.now(), latencyMs: deps.now() - started, error: describe(err) };
  }
  const result: ProbeResult = { state, checkedAt: deps.now(), latencyMs: deps.now() - started };
  if (state === 'ready' && adapter.metrics) {
    try {
      const metrics = await call(url, adapter.metrics.request(config), deps, timeoutMs);
      if (metrics.status === 200) result.metrics = plausible(adapter.metrics.parse(metrics.body));
    } catch {
      // Load metrics are a refinement; their absence leaves the origin routable.
    }
  }
  return result;
}

async function call(
  base: string,
  request: OriginRequest,
  deps: ProbeDeps,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  const headers = new Headers(request.headers);
  for (const [name, value] of Object.entries(deps.authHeaders)) headers.set(name, value);
  const response = await deps.fetch(base.replace(/\/+$/, '') + request.path, {
    method: request.method,
    headers,
    ...(request.body === undefined ? {} : { body: request.body }),
    signal: AbortSignal.timeout(timeoutMs),
    // A redirect would carry the pool's credential to wherever it points; a 3xx is no health answer.
    redirect: 'manual',
  });
  return { status: response.status, body: await readCapped(response) };
}

/** At most MAX_PROBE_BODY bytes of the body: a huge or endless answer must not fill the object's memory. */
async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  return new TextDecoder().decode((await readAtMost(response.body, MAX_PROBE_BODY)).bytes);
}

/** Routing trusts these figures: a negative count would make an origin look emptier than idle. */
function plausible(m: LoadMetrics): LoadMetrics {
  const out: LoadMetrics = {};
  if (isCount(m.running)) out.running = m.running;
  if (isCount(m.waiting)) out.waiting = m.waiting;
  if (isCount(m.kvCacheUsage) && m.kvCacheUsage <= 1) out.kvCacheUsage = m.kvCacheUsage;
  return out;
}

const isCount = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v >= 0;

function describe(err: unknown): string {
  const name = (err as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'probe timed out';
  return String(err).slice(0, 200);
}

/** The pool's origin auth header, read from the Worker secret it names (never stored in config). */
export function probeAuthHeaders(config: PoolConfig, env: Record<string, unknown>): Record<string, string> {
  if (!config.auth) return {};
  const secret = env[config.auth.secret];
  if (typeof secret !== 'string' || secret.length === 0) return {};
  return { [config.auth.header]: `${config.auth.prefix ?? ''}${secret}` };
}
