import { checkedChat } from '../chat-fields.ts';
import { mapOriginError } from '../errors.ts';
import { readGauges } from '../metrics/prometheus.ts';
import { decodeOpenAiChat } from '../openai-compatible/decode.ts';
import { openAiExchange } from '../openai-compatible/exchanges.ts';
import { buildOpenAiChat } from '../openai-compatible/request.ts';
import { openAiStreamDecoder } from '../openai-compatible/stream.ts';
import type { EngineAdapter } from '../types.ts';

const ENGINE = 'vLLM';
const RUNNING = 'vllm:num_requests_running';
const WAITING = 'vllm:num_requests_waiting';
// Renamed from gpu_cache_usage_perc in newer releases; read both.
const KV = 'vllm:kv_cache_usage_perc';
const KV_OLD = 'vllm:gpu_cache_usage_perc';

/** vLLM: the OpenAI API is its native API; streams are relayed as bytes. */
export const vllmAdapter: EngineAdapter = {
  protocol: 'vllm',
  engine: ENGINE,
  streamFraming: 'openai',
  reportsStreamUsage: true,
  buildChat: checkedChat('vllm', ENGINE, buildOpenAiChat),
  decodeChat: (body, ctx) => decodeOpenAiChat(ENGINE, body, ctx),
  chatStream: () => openAiStreamDecoder({ engine: ENGINE, terminator: true }),
  mapError: (status, body, headers) => mapOriginError(ENGINE, status, body, headers),
  health: {
    request: () => ({ method: 'GET', path: '/health', headers: {} }),
    interpret: (status) => (status === 200 ? 'ready' : 'down'),
  },
  metrics: {
    request: () => ({ method: 'GET', path: '/metrics', headers: {} }),
    parse(body) {
      const g = readGauges(body, [RUNNING, WAITING, KV, KV_OLD]);
      const kv = g.get(KV) ?? g.get(KV_OLD);
      return {
        ...(g.has(RUNNING) ? { running: g.get(RUNNING) } : {}),
        ...(g.has(WAITING) ? { waiting: g.get(WAITING) } : {}),
        ...(kv === undefined ? {} : { kvCacheUsage: kv }),
      };
    },
  },
  completions: openAiExchange(ENGINE, '/v1/completions', true),
  embeddings: openAiExchange(ENGINE, '/v1/embeddings', false),
};
