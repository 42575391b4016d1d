import { EcoError } from '../../schemas/errors.ts';
import { checkedChat } from '../chat-fields.ts';
import { mapOriginError } from '../errors.ts';
import { readGauges } from '../metrics/prometheus.ts';
import { decodeOpenAiChat } from '../openai-compatible/decode.ts';
import { buildOpenAiChat } from '../openai-compatible/request.ts';
import type { EngineAdapter, HealthProbe, HealthState, LoadMetrics, MetricsProbe } from '../types.ts';
import {
  buildLmdeployGenerate,
  decodeLmdeployGenerate,
  LMDEPLOY_NATIVE,
  lmdeployCompletions,
  lmdeployGenerateStream,
} from './generate.ts';
import { lmdeployOpenAiCompletions } from './openai-completions.ts';
import { lmdeployOpenAiStream } from './openai-stream.ts';

const OPENAI_ENGINE = 'LMDeploy';

/**
 * `GET /health`: v0.14+ answers `{"status":…}` (200 healthy/sleeping, 503 initializing/unhealthy);
 * older releases an empty 200. A sleeping engine has released its weights, so it is not ready to serve.
 */
export function interpretLmdeployHealth(status: number, body: string): HealthState {
  let state: unknown;
  try {
    state = (JSON.parse(body) as { status?: unknown })?.status;
  } catch {
    state = undefined;
  }
  if (state === 'initializing' || state === 'sleeping') return 'loading';
  if (status === 200) return 'ready';
  return 'down';
}

const RUNNING = 'lmdeploy:num_requests_running';
const WAITING = 'lmdeploy:num_requests_waiting';
const KV = 'lmdeploy:gpu_cache_usage_perc';

export function parseLmdeployMetrics(body: string): LoadMetrics {
  const g = readGauges(body, [RUNNING, WAITING, KV]);
  return {
    ...(g.has(RUNNING) ? { running: g.get(RUNNING) } : {}),
    ...(g.has(WAITING) ? { waiting: g.get(WAITING) } : {}),
    ...(g.has(KV) ? { kvCacheUsage: g.get(KV) } : {}),
  };
}

const health: HealthProbe = {
  request: () => ({ method: 'GET', path: '/health', headers: {} }),
  interpret: interpretLmdeployHealth,
};

const metrics: MetricsProbe = {
  request: () => ({ method: 'GET', path: '/metrics', headers: {} }),
  parse: parseLmdeployMetrics,
};

/** LMDeploy's native `/generate`, chat-templated by the gateway. */
export const lmdeployAdapter: EngineAdapter = {
  protocol: 'lmdeploy',
  engine: LMDEPLOY_NATIVE,
  streamFraming: 'native',
  reportsStreamUsage: true,
  buildChat: checkedChat('lmdeploy', LMDEPLOY_NATIVE, buildLmdeployGenerate),
  decodeChat: decodeLmdeployGenerate,
  chatStream: lmdeployGenerateStream,
  mapError: (status, body, headers) => mapOriginError(LMDEPLOY_NATIVE, status, body, headers),
  health,
  metrics,
  completions: lmdeployCompletions,
};

/**
 * LMDeploy's OpenAI endpoints. `/v1/embeddings` exists there but always answers 400 "Unsupported", so
 * the adapter offers no embeddings and the gateway says so itself.
 */
export const lmdeployOpenAiAdapter: EngineAdapter = {
  protocol: 'lmdeploy-openai',
  engine: OPENAI_ENGINE,
  streamFraming: 'openai',
  reportsStreamUsage: true,
  buildChat: checkedChat('lmdeploy-openai', OPENAI_ENGINE, buildOpenAiChat),
  decodeChat(body, ctx) {
    // `parse_error` is LMDeploy's own failure value, which the shared decoder would read as no finish.
    if (/"finish_reason":\s*"parse_error"/.test(body)) {
      throw new EcoError(502, 'origin_error', `${OPENAI_ENGINE}: generation ended with 'parse_error'`);
    }
    return decodeOpenAiChat(OPENAI_ENGINE, body, ctx);
  },
  chatStream: () => lmdeployOpenAiStream(OPENAI_ENGINE),
  mapError: (status, body, headers) => mapOriginError(OPENAI_ENGINE, status, body, headers),
  health,
  metrics,
  completions: lmdeployOpenAiCompletions(OPENAI_ENGINE),
};
