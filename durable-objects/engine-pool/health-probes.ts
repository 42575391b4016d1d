import type { EngineAdapter, HealthState, LoadMetrics, OriginRequest } from '../../origins/types.ts';
import type { PoolConfig } from '../../schemas/config.ts';
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
 * load metrics when the engine has them), never a completion. Six workers share the origins, each
 * running its probes one after the other, so no more than six connections are open at once.
 */
export async function probePool(
  config: PoolConfig,
  adapter: EngineAdapter,
  deps: ProbeDeps,
): Promise<Map<string, ProbeResult>> {
  const results = new Map<string, ProbeResult>();
  const queue = [...config.origins];
  const worker = async () => {
    for (let origin = queue.shift(); origin; origin = queue.shift())
      results.set(origin.id, await probeOrigin(origin.url, config, adapter, deps));
  };
  await Promise.all(Array.from({ length: Math.min(MAX_PROBE_CONNECTIONS, queue.length) }, worker));
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
  });
  return { status: response.status, body: await readCapped(response, MAX_PROBE_BODY) };
}

/** At most `max` bytes of the body: a huge or endless answer must not fill the object's memory. */
async function readCapped(response: Response, max: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value.subarray(0, max - bytes), { stream: true });
    bytes += value.byteLength;
    if (bytes >= max) {
      reader.cancel().catch(() => {});
      break;
    }
  }
  return text + decoder.decode();
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
