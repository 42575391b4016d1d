import { EcoError } from '../../schemas/errors.ts';
import type { StreamDecoder } from '../../schemas/stream-events.ts';
import { checkedChat } from '../chat-fields.ts';
import { mapOriginError, readErrorBody } from '../errors.ts';
import { readGauges } from '../metrics/prometheus.ts';
import { decodeOpenAiChat } from '../openai-compatible/decode.ts';
import { openAiExchange } from '../openai-compatible/exchanges.ts';
import { buildOpenAiChat, type ForwardedField } from '../openai-compatible/request.ts';
import { withStableIds, withStableStreamIds } from '../openai-compatible/stable-ids.ts';
import { openAiStreamDecoder } from '../openai-compatible/stream.ts';
import { refuseCompletionExtras } from '../templates/text-completion.ts';
import type { EngineAdapter, Exchange } from '../types.ts';

const ENGINE = 'TensorRT-LLM (trtllm-serve)';

/**
 * trtllm-serve's request models forbid unknown fields (400 on anything extra). `parallel_tool_calls` is
 * left out: older releases reject it and newer ones ignore it anyway.
 */
const CHAT_OMIT: ReadonlySet<ForwardedField> = new Set(['parallel_tool_calls']);

const COMPLETION_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'prompt',
  'best_of',
  'echo',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'max_tokens',
  'n',
  'presence_penalty',
  'seed',
  'stop',
  'stream',
  'temperature',
  'top_p',
  'user',
]);

// Prompt-length rejections of the PyTorch and TensorRT backends (`_check_arguments`).
const LENGTH_HINT = /should not exceed (?:max_num_tokens|max_seq_len)|prompt length .* exceed/i;

const RUNNING = 'trtllm_num_requests_running';
const WAITING = 'trtllm_num_requests_waiting';
const KV = 'trtllm_kv_cache_utilization';

export function mapTrtllmServeError(status: number, body: string, headers: Headers): EcoError {
  if (status === 400 && LENGTH_HINT.test(readErrorBody(body).message)) {
    return new EcoError(400, 'context_length_exceeded', `${ENGINE}: ${readErrorBody(body).message}`);
  }
  return mapOriginError(ENGINE, status, body, headers);
}

/** Older releases give every chunk (chat and completions) a fresh id and timestamp: see withStableIds. */
export function trtllmServeStream(): StreamDecoder {
  return withStableIds(openAiStreamDecoder({ engine: ENGINE, terminator: true }));
}

function completionsExchange(): Exchange<Record<string, unknown>, Record<string, unknown>> {
  const base = withStableStreamIds(openAiExchange(ENGINE, '/v1/completions', true));
  return {
    ...base,
    build(req, ctx) {
      // Its CompletionRequest answers any suffix with "suffix is not supported"; refused here, never dropped.
      refuseCompletionExtras(req, ENGINE, ['echo', 'logprobs']);
      const picked: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(req)) if (COMPLETION_FIELDS.has(k) && v != null) picked[k] = v;
      if (!ctx.stream) delete picked.stream;
      return base.build(picked, ctx);
    },
  };
}

/** TensorRT-LLM's `trtllm-serve`: OpenAI endpoints only; chunks relayed after a light scan. */
export const trtllmServeAdapter: EngineAdapter = {
  protocol: 'trtllm-serve',
  engine: ENGINE,
  streamFraming: 'openai',
  reportsStreamUsage: true,
  buildChat: checkedChat('trtllm-serve', ENGINE, (req, ctx) =>
    buildOpenAiChat(req, ctx, { omit: CHAT_OMIT, legacyMaxTokens: true }),
  ),
  decodeChat: (body, ctx) => decodeOpenAiChat(ENGINE, body, ctx),
  chatStream: trtllmServeStream,
  mapError: mapTrtllmServeError,
  health: {
    request: () => ({ method: 'GET', path: '/health', headers: {} }),
    // The server listens only once the model is built, so any answer but 200 means the executor died.
    interpret: (status) => (status === 200 ? 'ready' : 'down'),
  },
  metrics: {
    // `/metrics` is JSON iteration stats that reading drains; the Prometheus gauges are mounted here.
    request: () => ({ method: 'GET', path: '/prometheus/metrics', headers: {} }),
    parse(body) {
      const g = readGauges(body, [RUNNING, WAITING, KV]);
      return {
        ...(g.has(RUNNING) ? { running: g.get(RUNNING) } : {}),
        ...(g.has(WAITING) ? { waiting: g.get(WAITING) } : {}),
        ...(g.has(KV) ? { kvCacheUsage: g.get(KV) } : {}),
      };
    },
  },
  completions: completionsExchange(),
};
